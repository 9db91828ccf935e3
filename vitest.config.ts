import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';
import { UNIT_TESTS } from './vitest.unit.config';

/** A free TCP port on 127.0.0.1 for a test server (test/node/global-setup.ts starts them). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
  });
}

process.env.BATON_TEST_AGENT_PORT ??= String(await freePort());
/** The MCP reference server (@modelcontextprotocol/server-everything, Streamable HTTP at /mcp). */
process.env.BATON_TEST_EVERYTHING_PORT ??= String(await freePort());

export default defineConfig({
  resolve: {
    alias: [
      // compromise's ESM entry is 436 modules, each a round trip of the pool's module fallback
      // service for every test file; its own one-file build is the same library.
      {
        find: /^compromise$/,
        replacement: fileURLToPath(
          new URL('./node_modules/compromise/builds/three/compromise-three.mjs', import.meta.url),
        ),
      },
    ],
  },
  plugins: [
    cloudflareTest(async () => ({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: {
          ADMIN_TOKEN: 'test-admin-token',
          // Test mail is written by the tests; test/integration/email-gate.test.ts turns the gate on.
          EMAIL_AUTH: 'off',
          EMAIL_SENDER_LIMIT: 'off',
          EMAIL_ALIAS_LIMIT: 'off',
          SECRETS_KEY: 'test-secrets-key',
          // Webhook signing secrets of test/fixtures/webhooks/SIGNATURES.md.
          GH_HOOK_SECRET: "It's a Secret to Everybody",
          SLACK_SIGNING_SECRET: '8f742231b10e8888abcd99yyyzzz85a5',
          STRIPE_WEBHOOK_SECRET: 'whsec_test_secret',
          LLM_KEY: 'sk-test-key',
          // The Worker secrets above that definitions of the default tenant may name.
          EXPOSED_ENV: JSON.stringify({
            GH_HOOK_SECRET: ['default'],
            SLACK_SIGNING_SECRET: ['default'],
            STRIPE_WEBHOOK_SECRET: ['default'],
            LLM_KEY: ['default'],
          }),
          TEST_AGENT_URL: `http://127.0.0.1:${process.env.BATON_TEST_AGENT_PORT}`,
          // Every run's trace goes to the test collector (test/node/otlp-collector.ts).
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${process.env.BATON_TEST_AGENT_PORT}/otlp`,
          TEST_EVERYTHING_URL: `http://127.0.0.1:${process.env.BATON_TEST_EVERYTHING_PORT}/mcp`,
          TEST_MIGRATIONS: await readD1Migrations(fileURLToPath(new URL('./migrations', import.meta.url))),
          EMAIL_FIXTURES: await readFixtures('./test/fixtures/email/', '.eml', 'base64'),
          WORKFLOW_FIXTURES: await readFixtures('./test/fixtures/workflows/', '.yaml', 'utf8'),
        },
      },
    })),
  ],
  test: {
    include: ['test/**/*.test.ts'],
    // The pure tests run in plain Node (`npm run test:unit`), not again here.
    exclude: [...configDefaults.exclude, ...UNIT_TESTS],
    setupFiles: ['./test/setup.ts'],
    globalSetup: ['./test/node/global-setup.ts'],
    testTimeout: 20_000,
    // Two files at once: most of a workerd test file is waiting (its Worker starting, runs polling),
    // and vitest's default on a 2-core machine is one. Test servers are shared: files use their own
    // routes, scripts and names.
    maxWorkers: 2,
    // Each test file loads the Worker afresh, and workerd fetches every npm module it imports one
    // round trip at a time (cloudflare/workers-sdk#14283): pre-bundled, these ~600 modules are a few
    // (a file's start 10.6 s → 6.4 s, the suite 690 s → 516 s on this machine). Only pure-JS packages
    // that import no Node built-in can be pre-bundled; zod's users are listed with it (one copy).
    deps: {
      optimizer: {
        ssr: {
          enabled: true,
          include: [
            'zod',
            '@hono/zod-openapi',
            'hono',
            'hono/html',
            'hono/route',
            'hono/utils/http-status',
            'hono/utils/encode',
            'hono/streaming',
            'hono/http-exception',
            'hono/cookie',
            'hono/body-limit',
            'drizzle-orm',
            'drizzle-orm/sqlite-core',
            'drizzle-orm/d1',
            'yaml',
            'lru-cache',
            '@modelcontextprotocol/sdk/types.js',
            '@modelcontextprotocol/sdk/validation/cfworker-provider.js',
            '@modelcontextprotocol/sdk/shared/protocol.js',
            '@modelcontextprotocol/sdk/client/streamableHttp.js',
            '@modelcontextprotocol/sdk/client/index.js',
          ],
        },
      },
    },
  },
});

/** Fixture files keyed by file name (emails byte for byte as base64): workerd has no file system. */
async function readFixtures(
  folder: string,
  extension: string,
  encoding: 'base64' | 'utf8',
): Promise<Record<string, string>> {
  const { readdir, readFile } = await import('node:fs/promises');
  const dir = fileURLToPath(new URL(folder, import.meta.url));
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).filter((n) => n.endsWith(extension)).sort()) {
    out[name] = (await readFile(dir + name)).toString(encoding);
  }
  return out;
}
