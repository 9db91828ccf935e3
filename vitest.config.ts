import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** A free TCP port on 127.0.0.1 for the test agents (test/node/global-setup.ts listens on it). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

process.env.BATON_TEST_AGENT_PORT ??= String(await freePort());

export default defineConfig({
  plugins: [
    cloudflareTest(async () => ({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: {
          ADMIN_TOKEN: 'test-admin-token',
          LLM_KEY: 'sk-test-key',
          TEST_AGENT_URL: `http://127.0.0.1:${process.env.BATON_TEST_AGENT_PORT}`,
          TEST_MIGRATIONS: await readD1Migrations(fileURLToPath(new URL('./migrations', import.meta.url))),
          EMAIL_FIXTURES: await readEmailFixtures(),
        },
      },
    })),
  ],
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['./test/setup.ts'],
    globalSetup: ['./test/node/global-setup.ts'],
    testTimeout: 20_000,
  },
});

/** The real email fixtures, byte for byte (base64), keyed by file name: workerd has no file system. */
async function readEmailFixtures(): Promise<Record<string, string>> {
  const { readdir, readFile } = await import('node:fs/promises');
  const dir = fileURLToPath(new URL('./test/fixtures/email/', import.meta.url));
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).filter((n) => n.endsWith('.eml')).sort()) {
    out[name] = (await readFile(dir + name)).toString('base64');
  }
  return out;
}
