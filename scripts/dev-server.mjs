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
    const probe = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const { port } = probe.address();
        probe.close(() => resolve(port));
      });
  });
}

/**
 * Starts the Worker under `wrangler dev` as `npm start` runs it, with its own state directory.
 * @param {{ vars?: Record<string, string>, quiet?: boolean, persist?: string }} options `--var`
 * overrides (e.g. ADMIN_TOKEN); `persist`: a state directory to reuse (a restart), kept by `kill()`
 * @returns {Promise<{ url: string, persist: string, stop: () => Promise<void>, kill: () => Promise<void> }>}
 * `stop()` ends the server and deletes its state; `kill()` ends it with SIGKILL, as a crash would,
 * and keeps the state for a restart.
 * @throws when the migrations fail or the server does not answer GET /api/health within 60 s
 */
export async function startDevServer({
  vars = {},
  quiet = true,
  persist = mkdtempSync(join(tmpdir(), 'baton-dev-')),
} = {}) {
  const port = await freePort();
  const wrangler = join(root, 'node_modules', '.bin', 'wrangler');
  const env = { ...process.env, WRANGLER_SEND_METRICS: 'false' };
  const migrated = spawnSync(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist], {
    cwd: root,
    env,
    stdio: 'ignore',
  });
  if (migrated.status !== 0) throw new Error('D1 migrations did not apply');
  const url = `http://127.0.0.1:${port}`;
  const args = [
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--persist-to',
    persist,
    '--var',
    `PUBLIC_URL:${url}`,
    // wrangler's local email endpoint adds no Authentication-Results (as .dev.vars.example says).
    '--var',
    'EMAIL_AUTH:off',
    '--show-interactive-dev-session=false',
    '--log-level',
    quiet ? 'error' : 'log',
  ];
  for (const [name, value] of Object.entries(vars)) args.push('--var', `${name}:${value}`);
  const dev = spawn(wrangler, args, {
    cwd: root,
    env,
    stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'],
    detached: true,
  });
  const end = async (signal) => {
    if (dev.exitCode !== null) return;
    const exited = new Promise((resolve) => dev.once('exit', resolve));
    try {
      process.kill(-dev.pid, signal); // wrangler and its workerd
    } catch {
      dev.kill(signal);
    }
    await Promise.race([exited, sleep(5_000)]);
  };
  const stop = async () => {
    await end('SIGTERM');
    rmSync(persist, { recursive: true, force: true });
  };
  const kill = () => end('SIGKILL');
  for (let i = 0; i < 240 && dev.exitCode === null; i++) {
    try {
      if ((await fetch(`${url}/api/health`)).ok) return { url, persist, stop, kill };
    } catch {
      /* starting */
    }
    await sleep(250);
  }
  await stop();
  throw new Error(`wrangler dev did not answer on ${url} within 60 s`);
}
