/**
 * In-memory implementations of the ports of src/ports.ts, for the use-case tests in plain Node.
 * They keep Baton's contracts (idempotency keys, one claim per body) with plain arrays and maps.
 */
import { BatonError } from '../../src/core/errors';
import { parseDefinitionText, validateDefinition } from '../../src/core/definition';
import type {
  ApprovalRecord,
  ApprovalVote,
  DeliveryRecord,
  HostPorts,
  InboundRecord,
  NewRunRecord,
  NewWorkflowVersion,
  Note,
  RunStart,
  SentMessage,
  StoredWorkflow,
} from '../../src/ports';

/** A validated definition from YAML; throws with the issues when invalid. */
export function definitionOf(yaml: string) {
  const parsed = parseDefinitionText(yaml);
  if ('issues' in parsed) throw new Error(JSON.stringify(parsed.issues));
  const result = validateDefinition(parsed.value);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.definition;
}

/** Everything the in-memory host holds, for the tests to look at and to seed. */
export interface MemoryHost {
  ports: HostPorts;
  workflows: StoredWorkflow[];
  emailRoutes: Map<string, { workflowName: string; allow?: string[] }>;
  versions: (NewWorkflowVersion & { version: number; createdAt: string })[];
  agents: Set<string>;
  runs: (NewRunRecord & { output: unknown })[];
  started: RunStart[];
  /** When set, starting a RunObject throws this message. */
  startFails?: string;
  approvals: ApprovalRecord[];
  votes: { runId: string; vote: ApprovalVote }[];
  /** The answer of RunControl.decideApproval. */
  voteAnswer: { counted: boolean; stepStatus: string | null };
  auditLog: { tenantId: string; actor: string; action: string; subject: string; details?: unknown }[];
  inbound: (InboundRecord & { tenantId: string })[];
  sent: (SentMessage & { messageId: string; replyToken?: string })[];
  notes: Note[];
  deliveries: (DeliveryRecord & { tenantId: string })[];
  bodies: Map<string, string>;
  secrets: Map<string, string>;
  /** Epoch ms the clock answers. */
  now: number;
}

/** A fresh in-memory host. Times start at 2026-01-01T00:00:00Z; uuids count up. */
export function memoryHost(): MemoryHost {
  let seq = 0;
  const h: MemoryHost = {
    workflows: [],
    emailRoutes: new Map(),
    versions: [],
    agents: new Set(),
    runs: [],
    started: [],
    approvals: [],
    votes: [],
    voteAnswer: { counted: true, stepStatus: 'succeeded' },
    auditLog: [],
    inbound: [],
    sent: [],
    notes: [],
    deliveries: [],
    bodies: new Map(),
    secrets: new Map(),
    now: Date.UTC(2026, 0, 1),
    ports: undefined as unknown as HostPorts,
  };
  h.ports = {
    clock: { now: () => h.now },
    ids: { uuid: () => `${String(++seq).padStart(8, '0')}-0000-4000-8000-000000000000` },
    workflows: {
      get: async (_t, name, version) => {
        const all = h.workflows.filter((w) => w.name === name);
        return (version === undefined ? all.at(-1) : all.find((w) => w.version === version)) ?? null;
      },
      emailRoute: async (_t, alias) => h.emailRoutes.get(alias) ?? null,
    },
    workflowStore: {
      aliasPrefixes: async () => ({ own: null, others: [] }),
      aliasesTakenByOthers: async (_t, name, aliases) =>
        new Map(
          aliases.flatMap((a) => {
            const route = h.emailRoutes.get(a);
            return route && route.workflowName !== name ? [[a, route.workflowName] as [string, string]] : [];
          }),
        ),
      saveVersion: async (_t, input, now, mode) => {
        const mine = h.versions.filter((v) => v.name === input.name);
        if (mode === 'create' && mine.length) throw new BatonError('conflict', `workflow ${input.name} exists`);
        const latest = mine.at(-1);
        if (latest && latest.hash === input.hash) return { version: latest.version, created: false };
        const version = (latest?.version ?? 0) + 1;
        h.versions.push({ ...input, version, createdAt: now });
        return { version, created: true };
      },
    },
    agents: {
      names: async () => new Set(h.agents),
      catalog: async () =>
        new Map([...h.agents].map((name) => [name, { version: 1, status: 'active' as const, skills: [] }])),
      pinned: async () => Object.fromEntries([...h.agents].map((name) => [name, { version: 1 }])),
    },
    runs: {
      insert: async (_t, run) => {
        const holder = run.idempotencyKey ? h.runs.find((r) => r.idempotencyKey === run.idempotencyKey) : undefined;
        if (holder) return { id: holder.id, created: false };
        h.runs.push({ ...run, output: null });
        return { id: run.id, created: true };
      },
      get: async (_t, id) => h.runs.find((r) => r.id === id) ?? null,
      discard: async (_t, id) => {
        const at = h.runs.findIndex((r) => r.id === id);
        if (at >= 0) h.runs.splice(at, 1);
      },
    },
    runStarter: {
      start: async (run) => {
        if (h.startFails) throw new Error(h.startFails);
        h.started.push(run);
      },
    },
    runControl: {
      decideApproval: async (runId, vote) => {
        h.votes.push({ runId, vote });
        return h.voteAnswer;
      },
    },
    approvals: {
      get: async (_t, id) => h.approvals.find((a) => a.id === id) ?? null,
      getById: async (id) => h.approvals.find((a) => a.id === id) ?? null,
      audit: async (tenantId, entry) => void h.auditLog.push({ tenantId, ...entry }),
    },
    messages: {
      record: async (tenantId, m) => void h.inbound.push({ tenantId, ...m }),
      seenInbound: async (_t, id) => h.inbound.some((m) => m.messageId === id),
      sentByUs: async (_t, id) => h.sent.some((m) => m.messageId === id),
      findRunReply: async (_t, ids) => h.sent.find((m) => ids.includes(m.messageId) && !m.approvalId) ?? null,
      findByReplyToken: async (_t, token) => h.sent.find((m) => m.replyToken === token) ?? null,
      findApprovalMail: async (_t, ids) => {
        const m = h.sent.find((s) => ids.includes(s.messageId) && s.approvalId);
        return m?.approvalId ? { approvalId: m.approvalId } : null;
      },
      countTaken: async (tenantId, by, since) =>
        h.inbound.filter(
          (m) =>
            m.tenantId === tenantId &&
            (m.status === 'accepted' || m.status === 'skipped') &&
            m.createdAt > since &&
            ('from' in by ? m.from.toLowerCase() === by.from.toLowerCase() : m.workflowName === by.workflowName),
        ).length,
    },
    mailer: { sendNote: async (_t, note) => void h.notes.push(note) },
    deliveries: {
      record: async (tenantId, d) => void h.deliveries.push({ tenantId, ...d }),
      claimBody: async (_t, claim) => {
        const key = `${claim.workflow}:${claim.bodyHash}`;
        if (!h.bodies.has(key)) h.bodies.set(key, claim.key);
        return h.bodies.get(key)!;
      },
    },
    secrets: { get: async (_t, name) => h.secrets.get(name) },
    mail: { signingKey: 'test-signing-key', mailDomain: 'baton.local' },
  };
  return h;
}

/** Adds a workflow version (validated from YAML) to the catalog and its email aliases to the routes. */
export function addWorkflow(h: MemoryHost, yaml: string): StoredWorkflow {
  const definition = definitionOf(yaml);
  const version = h.workflows.filter((w) => w.name === definition.name).length + 1;
  const wf = { name: definition.name, version, definition };
  h.workflows.push(wf);
  for (const t of definition.triggers)
    if ('email' in t) h.emailRoutes.set(t.email.alias, { workflowName: definition.name, allow: t.email.allow });
  return wf;
}
