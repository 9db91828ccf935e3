// `npm start`: the main job on one machine. Creates .dev.vars, builds the dashboard, migrates the local D1, starts
// `wrangler dev` on 127.0.0.1:$PORT (default 8787), seeds the demo agents and workflow that are absent, and stays up.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { api, baseUrl, devVars, root, sleep } from './lib.mjs';

const env = { ...process.env, WRANGLER_SEND_METRICS: 'false' };
const wrangler = join(root, 'node_modules', '.bin', 'wrangler');
const port = process.env.PORT || '8787';

if (!existsSync(join(root, '.dev.vars'))) {
  copyFileSync(join(root, '.dev.vars.example'), join(root, '.dev.vars'));
  console.log('Created .dev.vars from .dev.vars.example (ADMIN_TOKEN=dev-admin-token).');
} else if (!devVars().EMAIL_AUTH) {
  console.log(
    'Note: .dev.vars has no EMAIL_AUTH, so the email gate is on (wrangler.toml: required) and local test mail, which carries no Authentication-Results, is rejected `unauthenticated`. Add EMAIL_AUTH=off to .dev.vars to trust From: locally.',
  );
}

console.log('Building the dashboard (website/ → website/dist)…');
const built = spawnSync(
  join(root, 'node_modules', '.bin', 'vite'),
  ['build', '--config', 'website/vite.config.ts', '--logLevel', 'warn'],
  { cwd: root, env, stdio: 'inherit' },
);
if (built.status !== 0) process.exit(built.status ?? 1);

console.log('Applying D1 migrations to the local database…');
const migrate = spawnSync(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local'], {
  cwd: root,
  env,
  stdio: 'inherit',
});
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const dev = spawn(
  wrangler,
  [
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    port,
    '--var',
    `PUBLIC_URL:http://127.0.0.1:${port}`,
    '--show-interactive-dev-session=false',
  ],
  { cwd: root, env, stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => dev.kill(signal));
dev.on('exit', (code) => process.exit(code ?? 0));

async function waitForServer() {
  for (let i = 0; i < 240; i++) {
    try {
      if ((await fetch(`${baseUrl()}/api/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`the server did not answer on ${baseUrl()} within 60 s`);
}

/**
 * Seeds the demo through the Worker (`POST /api/demo`): each agent and the workflow are created
 * only when absent, atomically on the server, so a record the user wrote, before or during this
 * call, is never replaced.
 */
async function seed() {
  const { agents, workflow } = await api('/demo', { method: 'POST' });
  const vars = devVars();
  const mode =
    vars.OPENAI_BASE_URL && vars.OPENAI_MODEL
      ? `model ${vars.OPENAI_MODEL} at ${vars.OPENAI_BASE_URL}`
      : 'offline builtin text tools (set OPENAI_* in .dev.vars for a model)';
  const agentLine = Object.entries(agents)
    .map(([name, outcome]) => `${name} (${outcome})`)
    .join(', ');
  const workflowLine =
    workflow.outcome === 'refused'
      ? `not registered: ${workflow.reason}`
      : `v${workflow.version} (${workflow.outcome})`;
  console.log(`
  Baton is running on ${baseUrl()}
  Demo agents ${agentLine} — new ones use ${mode}; existing records are never replaced
  Demo workflow competitor-analysis ${workflowLine}, email alias competitor-intel@<any domain>

  Dashboard:          ${baseUrl()}/  (API token: ADMIN_TOKEN in .dev.vars)
  Send it an email:   npm run email -- test/fixtures/email/enmime__qp-utf8-header.eml --to competitor-intel@baton.local
  API (token in .dev.vars):  curl -H "Authorization: Bearer dev-admin-token" ${baseUrl()}/api/runs
`);
}

/**
 * wrangler dev never fires crons by itself: call the `scheduled()` handler at every minute, as
 * Cloudflare's `* * * * *` cron does (schedules, and the sweeper that repairs lost starts), once at
 * start-up too (a run left `queued` by a crash is started again). A minute fires once however
 * often it is called.
 */
function tickCrons() {
  const fire = async () => {
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    try {
      await fetch(`${baseUrl()}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent('* * * * *')}&time=${minute}`);
    } catch (err) {
      console.error(`scheduled(): ${err.message}`);
    }
  };
  void fire();
  const next = () => setTimeout(() => void fire().then(next), 60_000 - (Date.now() % 60_000) + 50);
  next();
}

try {
  await waitForServer();
  tickCrons();
  await seed();
} catch (err) {
  console.error(`Start-up failed: ${err.message}`);
  dev.kill('SIGTERM');
  process.exitCode = 1;
}
