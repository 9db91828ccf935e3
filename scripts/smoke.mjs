// `npm run smoke` (CI): the Worker as `wrangler dev` bundles it must start and answer. Vitest builds
// the Worker with vite, so a bundle that only breaks under wrangler's esbuild (a library reading
// import.meta.url, a missing export) would otherwise pass the tests and break `npm start`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, sleep } from './lib.mjs';

const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = probe.address();
    probe.close(() => resolve(free));
  });
});
const persist = mkdtempSync(join(tmpdir(), 'baton-smoke-'));
const wrangler = join(root, 'node_modules', '.bin', 'wrangler');
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false' };
const migrated = spawnSync(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist], { cwd: root, env, stdio: 'ignore' });
if (migrated.status !== 0) {
  console.error('smoke: D1 migrations did not apply');
  process.exit(1);
}
const dev = spawn(wrangler, ['dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', persist, '--var', 'ADMIN_TOKEN:smoke', '--show-interactive-dev-session=false', '--log-level', 'error'],
  { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
let ok = false;
try {
  for (let i = 0; i < 240 && !ok && dev.exitCode === null; i++) {
    try {
      ok = (await fetch(`http://127.0.0.1:${port}/api/health`)).ok;
    } catch { /* starting */ }
    if (!ok) await sleep(250);
  }
  if (ok) {
    const res = await fetch(`http://127.0.0.1:${port}/api/workflows`, { headers: { authorization: 'Bearer smoke' } });
    ok = res.ok;
    if (!ok) console.error(`GET /api/workflows → ${res.status} ${await res.text()}`);
  }
} finally {
  dev.kill('SIGTERM');
  rmSync(persist, { recursive: true, force: true });
}
console.log(ok ? `smoke: wrangler dev started and answered on 127.0.0.1:${port}` : 'smoke: wrangler dev did not start or answer');
process.exit(ok ? 0 : 1);
