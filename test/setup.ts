import { applyD1Migrations, env } from 'cloudflare:test';
import { afterAll, expect } from 'vitest';
import { mimeProblems } from './support/mime-check';

// Every test file starts from a migrated D1 (setup files run per file; migrations are idempotent).
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

// Every message the file sent (D1 `messages`, outbound) must pass the strict MIME check
// (test/support/mime-check.ts); a failure fails the file.
afterAll(async () => {
  const { results } = await env.DB.prepare(
    "SELECT id, raw FROM messages WHERE direction = 'outbound' AND raw IS NOT NULL",
  ).all<{ id: string; raw: string }>();
  const invalid = results
    .map((row) => ({ id: row.id, problems: mimeProblems(row.raw).slice(0, 5) }))
    .filter((row) => row.problems.length);
  expect(invalid, `outgoing messages that are not valid RFC 5322/2045 (of ${results.length})`).toEqual([]);
});
