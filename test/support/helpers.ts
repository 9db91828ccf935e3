import { env, SELF } from 'cloudflare:test';
import PostalMime from 'postal-mime';
import worker from '../../src/index';
import { MessageDetail, Run } from '../../src/schemas/api';
import { isEndedRunStatus } from '../../src/schemas/enums';
import type { InboundOutcome } from '../../src/adapter/cloudflare/triggers/email';
import { receiveEmail } from '../../src/adapter/cloudflare/triggers/email';

export const TOKEN = 'test-admin-token';

/** Calls the Worker's HTTP API with the admin token. */
export function api(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has('authorization')) headers.set('authorization', `Bearer ${TOKEN}`);
  if (init.body && !headers.has('content-type')) headers.set('content-type', 'application/json');
  return SELF.fetch(`http://baton.test/api${path}`, { ...init, headers });
}

/** {@link api} with another bearer token (a tenant's or a role's key). */
export const apiAs =
  (token: string) =>
  (path: string, init: RequestInit = {}): Promise<Response> =>
    api(path, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` } });

/** PUTs an agent and fails the test when it is refused. */
export async function putAgent(name: string, body: unknown): Promise<void> {
  const res = await api(`/agents/${name}`, { method: 'PUT', body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`PUT agent ${name}: ${res.status} ${await res.text()}`);
}

/** An http agent served by the test agent server. */
export function httpAgent(route: string) {
  return { provider: 'http', config: { url: `${env.TEST_AGENT_URL}/agents/${route}` } };
}

/** Registers (or re-versions) a workflow from YAML and fails the test when it is refused. */
export async function putWorkflow(name: string, yaml: string): Promise<number> {
  const res = await api(`/workflows/${name}`, {
    method: 'PUT',
    body: yaml,
    headers: { 'content-type': 'application/yaml' },
  });
  if (res.status >= 300) throw new Error(`PUT workflow ${name}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { version: number }).version;
}

/** The bytes of a real email fixture (test/fixtures/email). */
export function fixture(name: string): Uint8Array {
  const b64 = env.EMAIL_FIXTURES[name];
  if (!b64) throw new Error(`no email fixture ${name}`);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

/** Builds a raw RFC 5322 message. */
export function rawEmail(headers: Record<string, string>, body: string): Uint8Array {
  const head = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
  return new TextEncoder().encode(`${head}\r\n\r\n${body.replace(/\n/g, '\r\n')}`);
}

/** Hands a message to the Worker's `email()` entry point, as Email Routing would. */
export async function deliver(
  bytes: Uint8Array,
  envelope: { from: string; to: string },
): Promise<{ rejected?: string }> {
  const outcome: { rejected?: string } = {};
  const message = {
    from: envelope.from,
    to: envelope.to,
    raw: new Response(bytes).body!,
    rawSize: bytes.byteLength,
    headers: new Headers(),
    setReject: (reason: string) => (outcome.rejected = reason),
    forward: async () => ({ messageId: '' }),
    reply: async () => ({ messageId: '' }),
  } as unknown as ForwardableEmailMessage;
  await worker.email!(message, env);
  return outcome;
}

/** Like `deliver`, but answers the trigger's recorded outcome. */
export function receive(bytes: Uint8Array, envelope: { from: string; to: string }): Promise<InboundOutcome> {
  return receiveEmail(
    { ...envelope, raw: new Response(bytes).body!, rawSize: bytes.byteLength, setReject: () => {} },
    env,
  );
}

/** A run as `GET /api/runs/:id` answers it (the API's own schema). */
export type RunBody = Run;

/**
 * `body` checked against its declared response schema, as answered (unstripped): a drift between
 * a handler and `/api/openapi.json` fails the test that reads the answer.
 * @throws naming the first mismatch.
 */
export function checked<T>(
  schema: {
    safeParse: (v: unknown) => { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } };
  },
  body: unknown,
  what: string,
): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error!.issues[0]!;
    throw new Error(
      `${what} does not match its declared schema at ${issue.path.join('.')}: ${issue.message}; got ${JSON.stringify(body).slice(0, 500)}`,
    );
  }
  return body as T;
}

/** Starts a run over the API. @returns its id. */
export async function startRun(workflow: string, input: unknown = {}): Promise<string> {
  return (
    (await (await api(`/workflows/${workflow}/runs`, { method: 'POST', body: JSON.stringify({ input }) })).json()) as {
      runId: string;
    }
  ).runId;
}

/** The RunObject of a run. */
export const stubOf = (runId: string) => env.RUNS.get(env.RUNS.idFromName(runId));

/** Polls `GET /api/runs/:id` until the run ends. @throws after `timeoutMs`. */
export async function waitForRun(runId: string, timeoutMs = 15_000, token = TOKEN): Promise<RunBody> {
  const deadline = Date.now() + timeoutMs;
  let last: RunBody | undefined;
  while (Date.now() < deadline) {
    const res = await api(`/runs/${runId}`, { headers: { authorization: `Bearer ${token}` } });
    if (res.ok) {
      last = checked<RunBody>(Run, await res.json(), `GET /api/runs/${runId}`);
      if (isEndedRunStatus(last.status)) return last;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`run ${runId} did not end within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}

/** Polls until `fn` answers a value. */
export async function eventually<T>(fn: () => Promise<T | undefined | null>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await fn();
    if (value !== undefined && value !== null) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

/**
 * A recorded email as `GET /api/runs/:id/messages` answers it (the API's own schema), as an admin
 * reads the messages these tests make: kept whole, with their Message-ID and subject.
 */
export type RecordedMessage = MessageDetail & { raw: string; messageId: string; subject: string };

/** The run's recorded outbound reply, once there, parsed with postal-mime. */
export async function replyOf(runId: string) {
  const recorded = await eventually(async () => {
    const res = await api(`/runs/${runId}/messages`);
    const list = checked<RecordedMessage[]>(MessageDetail.array(), await res.json(), `GET /api/runs/${runId}/messages`);
    return list.find((m) => m.direction === 'outbound');
  });
  if (recorded.raw === null) throw new Error(`run ${runId}: the outbound message has no raw source`);
  return { recorded, parsed: await PostalMime.parse(recorded.raw) };
}
