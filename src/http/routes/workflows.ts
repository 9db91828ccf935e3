import { createRoute, z } from '@hono/zod-openapi';
import type { HonoRequest } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { RunPriority } from '../../schemas/enums';
import { BatonError } from '../../core/errors';
import { buildPlan } from '../../core/definition';
import { jsonTextDeeperThan, MAX_JSON_DEPTH, tooDeepMessage } from '../../core/json-depth';
import { planExecution } from '../../core/policy/planner';
import { database, type Database } from '../../adapter/cloudflare/d1/client';
import { stepDurations } from '../../adapter/cloudflare/d1/runs';
import {
  archiveWorkflow,
  getWorkflowVersion,
  listVersions,
  listWorkflows,
} from '../../adapter/cloudflare/d1/workflows';
import { startRun } from '../../adapter/cloudflare/triggers/start-run';
import {
  Plan,
  RunSkipped,
  RunStarted,
  WorkflowArchived,
  WorkflowList,
  WorkflowRegistered,
  WorkflowVersion,
} from '../../schemas/api';
import { router } from '../context';
import { authErrors, jsonBody } from '../openapi';
import { workflowUsage } from '../../adapter/cloudflare/d1/workflow-spend';
import { registerWorkflow } from '../register-workflow';

/** Largest definition accepted, bytes: parsing costs about 5 µs a byte, so this bounds it to ~1 s. */
const MAX_DEFINITION_BYTES = 256 * 1024;

const definitionBody = {
  content: {
    'application/yaml': { schema: z.string() },
    'application/json': { schema: z.record(z.string(), z.unknown()) },
  },
  required: true,
  description: 'A workflow definition (CONTRACT.md), YAML or JSON; see /api/schema/workflow.json',
} as const;
const nameParam = z.object({ name: z.string() });

/** The definition text; `HonoRequest.text()` also works after the OpenAPI validator read a JSON body. */
async function readDefinition(req: HonoRequest): Promise<{ text: string; format: 'yaml' | 'json' }> {
  const text = await req.text();
  if (!text.trim())
    throw new BatonError('invalid_definition', 'the request body is empty', {
      issues: [{ path: '(root)', message: 'expected a YAML or JSON definition' }],
    });
  const format = (req.header('content-type') ?? '').includes('json') ? 'json' : 'yaml';
  return { text, format };
}

/** A workflow's latest (or given) version. @throws {BatonError} not_found */
async function requireVersion(db: Database, tenantId: string, name: string, version?: number) {
  const wf = await getWorkflowVersion(db, tenantId, name, version);
  if (!wf) throw new BatonError('not_found', `workflow ${name}${version ? ` version ${version}` : ''} does not exist`);
  return wf;
}

const limit = bodyLimit({
  maxSize: MAX_DEFINITION_BYTES,
  onError: () => {
    throw new BatonError('payload_too_large', `definitions are limited to ${MAX_DEFINITION_BYTES} bytes`);
  },
});

export const workflowRoutes = router();
workflowRoutes.use('/workflows', limit);
workflowRoutes.use('/workflows/:name', limit);
workflowRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/workflows',
    operationId: 'createWorkflow',
    summary: 'Register a new workflow',
    request: { body: definitionBody },
    responses: { 201: jsonBody(WorkflowRegistered, 'Registered'), ...authErrors(400, 409, 413) },
  }),
  async (c) => {
    const { text, format } = await readDefinition(c.req);
    const { name, version, warnings } = await registerWorkflow(database(c.env.DB), c.var.tenantId, text, format, {
      create: true,
    });
    return c.json({ name, version, ...(warnings.length ? { warnings } : {}) }, 201);
  },
);
workflowRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/workflows/{name}',
    operationId: 'putWorkflow',
    summary: 'Add a version of a workflow',
    request: { params: nameParam, body: definitionBody },
    responses: {
      200: jsonBody(WorkflowRegistered, 'Unchanged: the latest version'),
      201: jsonBody(WorkflowRegistered, 'New version'),
      ...authErrors(400, 409, 413),
    },
  }),
  async (c) => {
    const { text, format } = await readDefinition(c.req);
    const { name, version, created, warnings } = await registerWorkflow(
      database(c.env.DB),
      c.var.tenantId,
      text,
      format,
      { name: c.req.valid('param').name },
    );
    return c.json({ name, version, ...(warnings.length ? { warnings } : {}) }, created ? 201 : 200);
  },
);
workflowRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/workflows',
    operationId: 'listWorkflows',
    summary: 'List workflows',
    responses: { 200: jsonBody(WorkflowList, 'Workflows by name'), ...authErrors() },
  }),
  async (c) => {
    const rows = await listWorkflows(database(c.env.DB), c.var.tenantId);
    return c.json(
      {
        workflows: rows.map((r) => ({
          name: r.name,
          description: r.description,
          latestVersion: r.latestVersion,
          createdAt: r.createdAt,
          updatedAt: r.updatedAt,
          archivedAt: r.archivedAt,
        })),
      },
      200,
    );
  },
);
workflowRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/workflows/{name}',
    operationId: 'getWorkflow',
    summary: 'Read a workflow (latest or ?version=N)',
    request: { params: nameParam, query: z.object({ version: z.coerce.number().int().positive().optional() }) },
    responses: { 200: jsonBody(WorkflowVersion, 'The definition and its metadata'), ...authErrors(400, 404) },
  }),
  async (c) => {
    const db = database(c.env.DB);
    const { name } = c.req.valid('param');
    const wf = await requireVersion(db, c.var.tenantId, name, c.req.valid('query').version);
    const [versions, usage] = await Promise.all([
      listVersions(db, c.var.tenantId, name),
      workflowUsage(db, c.var.tenantId, name),
    ]);
    return c.json({ ...wf, versions, usage }, 200);
  },
);
workflowRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/workflows/{name}',
    operationId: 'archiveWorkflow',
    summary: 'Archive a workflow: it starts no runs and its triggers stop; versions and runs are kept',
    description: 'Registering it again (PUT) restores it as a new version.',
    request: { params: nameParam },
    responses: { 200: jsonBody(WorkflowArchived, 'Archived (or already archived: when)'), ...authErrors(404) },
  }),
  async (c) => {
    const { name } = c.req.valid('param');
    const archivedAt = await archiveWorkflow(database(c.env.DB), c.var.tenantId, name, new Date().toISOString());
    if (!archivedAt) throw new BatonError('not_found', `workflow ${name} does not exist`);
    return c.json({ name, archivedAt }, 200);
  },
);
workflowRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/workflows/{name}/plan',
    operationId: 'getWorkflowPlan',
    summary: 'The DAG, parallel groups and critical path (estimated from past attempts)',
    request: { params: nameParam, query: z.object({ version: z.coerce.number().int().positive().optional() }) },
    responses: { 200: jsonBody(Plan, 'The execution plan'), ...authErrors(400, 404) },
  }),
  async (c) => {
    const db = database(c.env.DB);
    const { name } = c.req.valid('param');
    const wf = await requireVersion(db, c.var.tenantId, name, c.req.valid('query').version);
    const plan = planExecution(buildPlan(wf.definition).plan, await stepDurations(db, c.var.tenantId, name));
    return c.json({ name, version: wf.version, ...plan }, 200);
  },
);
// A run request nested too deep is refused before anything parses or walks it (`input` is one level down).
workflowRoutes.use('/workflows/:name/runs', async (c, next) => {
  if (c.req.method === 'POST' && jsonTextDeeperThan(await c.req.text(), MAX_JSON_DEPTH + 1)) {
    throw new BatonError('bad_request', tooDeepMessage('the run input'), { limit: MAX_JSON_DEPTH, path: 'input' });
  }
  await next();
});
workflowRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/workflows/{name}/runs',
    operationId: 'startRun',
    summary: 'Start a run',
    request: {
      params: nameParam,
      body: {
        content: {
          'application/json': {
            schema: z.object({
              input: z.record(z.string(), z.unknown()).optional(),
              idempotencyKey: z.string().max(200).optional(),
              version: z.number().int().positive().optional(),
              debug: z.boolean().optional().describe('Pause before every step; each resume runs one'),
              priority: RunPriority.optional().describe(
                '1 (lowest) to 10, default 5: where its attempts wait for a busy agent (max_concurrency), higher first',
              ),
            }),
          },
        },
      },
    },
    responses: {
      202: jsonBody(RunStarted, 'Started (or the run of an earlier request with the same idempotency key)'),
      200: jsonBody(RunSkipped, "Skipped: the workflow's singleton (mode skip) has an active run"),
      ...authErrors(400, 404, 429),
    },
  }),
  async (c) => {
    const body = c.req.valid('json') ?? {};
    const { runId, skipped, queued } = await startRun(c.env, c.var.tenantId, {
      workflow: c.req.valid('param').name,
      version: body.version,
      input: body.input ?? {},
      trigger: { type: 'api' },
      idempotencyKey: body.idempotencyKey,
      debug: body.debug,
      priority: body.priority,
    });
    // A `singleton` (mode skip) run is active: nothing started, the answer names it.
    if (skipped) return c.json({ skipped: true as const, runId }, 200);
    return c.json(queued ? { runId, queuedFor: queued.reason } : { runId }, 202);
  },
);
