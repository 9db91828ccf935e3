import SwaggerParser from '@apidevtools/swagger-parser';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// Plain Node (npm run test:unit; type-checked with the Node types of tsconfig.node.json): the
// Worker's modules are loaded by path, so tsc checks them only in the Worker program.
const APP = '../../src/http/app';
const ACCESS = '../../src/http/access';
const { createApp, openApiDocument } = (await import(APP)) as {
  createApp: () => { routes: { method: string; path: string }[] };
  openApiDocument: () => unknown;
};
const { ROUTE_ROLES } = (await import(ACCESS)) as { ROUTE_ROLES: Record<string, unknown> };

type Operation = {
  operationId?: string;
  security?: unknown[];
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
};
type Doc = { paths: Record<string, Record<string, Operation>> };

const doc = openApiDocument() as Doc;
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
);
/** A Hono path as OpenAPI writes it: `:name` (and a `:name{regex}` constraint) → `{name}`. */
const toOpenApiPath = (honoPath: string) => honoPath.replace(/:(\w+)(\{[^/]*\})?/g, '{$1}');

/** `redocly lint` on a document (recommended rules): its exit code and JSON report. */
async function redoclyLint(
  document: unknown,
): Promise<{ code: number; errors: { ruleId: string; message: string }[] }> {
  const file = join(await mkdtemp(join(tmpdir(), 'baton-openapi-')), 'openapi.json');
  await writeFile(file, JSON.stringify(document));
  const run = promisify(execFile);
  const args = ['redocly', 'lint', file, '--format=json'];
  const result = await run('npx', args, { cwd: process.cwd(), maxBuffer: 16 * 1024 * 1024 }).then(
    (r: { stdout: string }) => ({ code: 0, out: r.stdout }),
    (err: { code: number; stdout: string }) => ({ code: err.code, out: err.stdout }),
  );
  const report = JSON.parse(result.out) as { problems: { ruleId: string; message: string; severity: string }[] };
  return { code: result.code, errors: report.problems.filter((p) => p.severity === 'error') };
}

describe('the OpenAPI document', () => {
  it('declares an operationId on every operation, each used once', () => {
    const ids = operations.map(({ key, op }) => op.operationId ?? `(none on ${key})`);
    expect(ids.filter((id) => id.startsWith('(none'))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('declares a body schema for every 2xx and 4xx answer (a 101 upgrade, a 204 and a 303 redirect have none)', () => {
    const missing = operations.flatMap(({ key, op }) =>
      Object.entries(op.responses)
        // RFC 9110 §15.3.5: a 204 answer has no content.
        .filter(([status]) => /^[24]\d\d$/.test(status) && status !== '204')
        .filter(([, r]) => !r.content || Object.values(r.content).some((m) => !m.schema))
        .map(([status]) => `${key} ${status}`),
    );
    expect(missing).toEqual([]);
    for (const { key, op } of operations)
      expect(
        Object.keys(op.responses).some((s) => /^(2\d\d|101|303)$/.test(s)),
        key,
      ).toBe(true);
  });

  it('answers errors with the shared error schema, and 401/403 on every authenticated route', () => {
    for (const { key, op } of operations) {
      for (const [status, r] of Object.entries(op.responses)) {
        if (/^[45]\d\d$/.test(status) && r.content?.['application/json'])
          expect(r.content['application/json'].schema, `${key} ${status}`).toEqual({
            $ref: '#/components/schemas/Error',
          });
      }
      if (op.security?.length === 0) continue;
      expect(Object.keys(op.responses), key).toEqual(expect.arrayContaining(['401', '403']));
    }
  });

  it('covers every route the app serves, the webhook, the schema and the live routes included', () => {
    const served = createApp()
      .routes.filter((r) => r.method !== 'ALL')
      .map((r) => `${r.method} ${toOpenApiPath(r.path)}`);
    const declared = operations.map(({ key }) => key);
    expect(
      [...new Set(served)].filter(
        (k) => !declared.includes(k) && !k.startsWith('POST /hooks/approvals') && !k.startsWith('GET /hooks/approvals'),
      ),
    ).toEqual([]);
    expect(declared).toEqual(
      expect.arrayContaining([
        'POST /hooks/{workflow}',
        'GET /api/schema/workflow.json',
        'GET /api/live/runs',
        'GET /api/live/runs/{id}',
        'GET /api/openapi.json',
        'GET /hooks/approvals/{id}',
        'POST /hooks/approvals/{id}',
      ]),
    );
    for (const route of Object.keys(ROUTE_ROLES)) expect(declared, route).toContain(toOpenApiPath(route));
    expect(doc.paths['/hooks/{workflow}']!.post!.security).toEqual([]);
  });

  it('is valid OpenAPI (swagger-parser)', async () => {
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  });

  it('passes redocly lint without errors, and the check fails on a broken document', async () => {
    const clean = await redoclyLint(doc);
    expect(clean.errors).toEqual([]);
    expect(clean.code).toBe(0);
    const broken = structuredClone(doc);
    broken.paths['/api/runs/{id}']!.get!.operationId = 'listRuns';
    const refused = await redoclyLint(broken);
    expect(refused.code).not.toBe(0);
    expect(refused.errors.map((e) => e.ruleId)).toContain('operation-operationId-unique');
  }, 60_000);
});
