import { BatonError } from '../core/errors';
import { createAgentIfAbsent, replaceAgentIfUnchanged } from '../adapter/cloudflare/d1/agents';
import type { Database } from '../adapter/cloudflare/d1/client';
import { getWorkflowVersion } from '../adapter/cloudflare/d1/workflows';
import { registerWorkflow } from '../adapter/cloudflare/register-workflow';
import { AgentBody } from '../schemas/agent';
import { DEMO_AGENTS, DEMO_WORKFLOW_YAML, demoAgentBodies, type ModelSettings } from './demo';

/** What seeding did to one record: `switched` = a demo agent still exactly as the offline seed wrote it, moved to the configured model. */
export type SeedOutcome = 'created' | 'kept' | 'switched';

/** The answer of `POST /api/demo`. */
export interface DemoSeedReport {
  agents: Record<string, SeedOutcome>;
  workflow: { name: string; outcome: 'created' | 'kept' | 'refused'; version?: number; reason?: string };
}

const DEMO_WORKFLOW = 'competitor-analysis';

/** A demo agent body as the registry stores it (defaults applied, as `PUT /api/agents/:name` does). */
function agentFields(name: string, body: unknown) {
  const parsed = AgentBody.parse(body);
  return { name, ...parsed, config: parsed.config as Record<string, unknown> };
}

/**
 * Seeds the demo (the four agents, then the `competitor-analysis` workflow) without ever replacing
 * what a user wrote: each record is created only when absent, in one atomic statement, so the
 * order of the seed and a user's writes does not matter. One exception keeps "set OPENAI_* and
 * restart" working: with a model configured, a demo agent that is still exactly the offline
 * builtin the seed writes is switched to the model (compare-and-set, so a concurrent change wins).
 * @returns what happened to each record; a workflow that cannot be registered (its alias taken by
 * another workflow) is `refused` with the reason, and the rest is still seeded.
 * @throws whatever D1 throws.
 */
export async function seedDemo(
  db: Database,
  tenantId: string,
  settings: ModelSettings,
  now: string,
): Promise<DemoSeedReport> {
  const offline = demoAgentBodies({});
  const wanted = demoAgentBodies(settings);
  const agents: Record<string, SeedOutcome> = {};
  for (const name of Object.keys(DEMO_AGENTS)) {
    const body = agentFields(name, wanted[name]);
    if (await createAgentIfAbsent(db, tenantId, body, now)) agents[name] = 'created';
    else if (
      body.provider !== 'builtin' &&
      (await replaceAgentIfUnchanged(db, tenantId, agentFields(name, offline[name]), body, now))
    )
      agents[name] = 'switched';
    else agents[name] = 'kept';
  }
  try {
    const { version } = await registerWorkflow(db, tenantId, DEMO_WORKFLOW_YAML, 'yaml', { create: true });
    return { agents, workflow: { name: DEMO_WORKFLOW, outcome: 'created', version } };
  } catch (err) {
    if (!(err instanceof BatonError)) throw err;
    if (err.code === 'conflict')
      return {
        agents,
        workflow: {
          name: DEMO_WORKFLOW,
          outcome: 'kept',
          version: (await getWorkflowVersion(db, tenantId, DEMO_WORKFLOW))?.version,
        },
      };
    if (err.code === 'invalid_definition')
      return {
        agents,
        workflow: {
          name: DEMO_WORKFLOW,
          outcome: 'refused',
          reason: err.details?.issues?.map((i) => `${i.path}: ${i.message}`).join('; ') ?? err.message,
        },
      };
    throw err;
  }
}
