// `npm run smoke` (CI): the Worker as `wrangler dev` bundles it must start and answer. Vitest builds
// the Worker with vite, so a bundle that only breaks under wrangler's esbuild (a library reading
// import.meta.url, a missing export) would otherwise pass the tests and break `npm start`.
import { startDevServer } from './dev-server.mjs';

let ok = false;
let server;
try {
  server = await startDevServer({ vars: { ADMIN_TOKEN: 'smoke' } });
  const res = await fetch(`${server.url}/api/workflows`, { headers: { authorization: 'Bearer smoke' } });
  const page = await fetch(`${server.url}/runs`);
  ok = res.ok && page.ok && (await page.text()).includes('<div id="root">');
  if (!res.ok) console.error(`GET /api/workflows → ${res.status} ${await res.text()}`);
  if (!page.ok) console.error(`GET /runs (the dashboard) → ${page.status}`);
} catch (err) {
  console.error(`smoke: ${err.message}`);
} finally {
  await server?.stop();
}
console.log(
  ok
    ? `smoke: wrangler dev started and answered on ${server.url}, dashboard included`
    : 'smoke: wrangler dev did not start or answer',
);
process.exit(ok ? 0 : 1);
