// A throwaway `wrangler dev` for scripts and tests: a free port on 127.0.0.1, a fresh local state
// (D1 migrated), stopped and deleted by `stop()`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, sleep } from './lib.mjs';

/** A TCP port nothing listens on, on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts the Worker under `wrangler dev` as `npm start` runs it, with its own state directory.
 * @param {{ vars?: Record<string, string>, quiet?: boolean }} options `--var` overrides (e.g. ADMIN_TOKEN)
 * @returns {Promise<{ url: string, stop: () => Promise<void> }>}
 * @throws when the migrations fail or the server does not answer GET /api/health within 60 s
 */
export async function startDevServer({ vars = {}, quiet = true } = {}) {
  const port = await freePort();
  const persist = mkdtempSync(join(tmpdir(), 'baton-dev-'));
  const wrangler = join(root, 'node_modules', '.bin', 'wrangler');
  const env = { ...process.env, WRANGLER_SEND_METRICS: 'false' };
  const migrated = spawnSync(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist], { cwd: root, env, stdio: 'ignore' });
  if (migrated.status !== 0) throw new Error('D1 migrations did not apply');
  const url = `http://127.0.0.1:${port}`;
  const args = ['dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', persist, '--var', `PUBLIC_URL:${url}`, '--show-interactive-dev-session=false', '--log-level', quiet ? 'error' : 'log'];
  for (const [name, value] of Object.entries(vars)) args.push('--var', `${name}:${value}`);
  const dev = spawn(wrangler, args, { cwd: root, env, stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'], detached: true });
  const stop = async () => {
    if (dev.exitCode === null) {
      const exited = new Promise((resolve) => dev.once('exit', resolve));
      try {
        process.kill(-dev.pid, 'SIGTERM'); // wrangler and its workerd
      } catch {
        dev.kill('SIGTERM');
      }
      await Promise.race([exited, sleep(5_000)]);
    }
    rmSync(persist, { recursive: true, force: true });
  };
  for (let i = 0; i < 240 && dev.exitCode === null; i++) {
    try {
      if ((await fetch(`${url}/api/health`)).ok) return { url, stop };
    } catch { /* starting */ }
    await sleep(250);
  }
  await stop();
  throw new Error(`wrangler dev did not answer on ${url} within 60 s`);
}
