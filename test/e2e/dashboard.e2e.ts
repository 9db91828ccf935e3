// The dashboard in real headless Chromium against the Worker under `wrangler dev`: sign in, a
// just-finished run and its timeline, an agent step's transcript, an approval decided from the inbox, a workflow's graph and
// editor, the builder, and the registry pages; no page errors anywhere.
import { readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer } from '../../scripts/dev-server.mjs';
import { DEMO_WORKFLOW_YAML, demoAgentBodies } from '../../src/demo/demo';
import { mimeProblems } from '../support/mime-check';
import AGENT_LOOP_RUN from '../website/fixtures/agent-loop-run.json';
import { callApi } from './api';
import { accessibilityViolations, launchBrowser, watchedPage } from './browser';

const TOKEN = 'e2e-token';
const REVIEW = `name: review-flow
description: Draft, then a person approves before it is sent
steps:
  - { id: draft, agent: draft, input: "{{ inputs.topic }}" }
  - id: review
    approval: { assignees: [lead@example.com], message: "Send this draft?\\n\\n{{ draft.output }}", deadline: 24h }
  - { id: send, agent: proofread, input: "{{ draft.output }}" }
`;
const DIGEST = `name: daily-digest
triggers:
  - schedule: { cron: "0 7 * * 1-5", timezone: Europe/Berlin, input: { topic: CRM } }
steps:
  - { id: research, agent: research, input: "{{ inputs.topic }}" }
`;
const BLOCKS = `name: market-scan
description: Parallel research, a switch on its length, a loop over competitors, then a report
inputs:
  topic: { type: string, required: false }
  competitors: { type: array, required: false }
steps:
  - id: gather
    parallel:
      - { id: web, agent: research, input: "{{ inputs.topic }}" }
      - { id: docs, agent: research, input: "{{ inputs.topic }} documentation" }
  - id: route
    switch: "{{ $length(web.output) > 200 ? 'long' : 'short' }}"
    cases:
      long: [ { id: condense, agent: summarize, input: "{{ web.output }}" } ]
    default: [ { id: keep, agent: draft, input: "{{ web.output }}" } ]
  - id: per_competitor
    foreach: "{{ inputs.competitors ? inputs.competitors : ['Acme', 'Globex'] }}"
    concurrency: 2
    do:
      - { id: dive, agent: research, input: "Research {{ item }}" }
  - { id: report, agent: draft, input: "{{ per_competitor.output }}" }
output: "{{ report.output }}"
`;
/** Where `npm run screenshots` writes the README's pictures; unset in `npm test`. */
const SHOTS = process.env.SCREENSHOTS;

let server: { url: string; stop: () => Promise<void> };
let browser: Browser;
let page: Page;
let problems: string[];

const call = <T>(path: string, init: RequestInit = {}) => callApi<T>(server.url, TOKEN, path, init);
const startRun = async (workflow: string, input: unknown) =>
  (await call<{ runId: string }>(`/workflows/${workflow}/runs`, { method: 'POST', body: JSON.stringify({ input }) }))
    .runId;
async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const runStatus = async (runId: string) => (await call<{ status: string }>(`/runs/${runId}?steps=false`)).status;
const pendingApproval = (runId: string) =>
  until(`approval of ${runId}`, async () =>
    (await call<{ id: string; runId: string; status: string }[]>('/approvals?status=pending')).find(
      (a) => a.runId === runId,
    ),
  );
/** Every page checked: its axe-core findings by page name (asserted empty at the end). */
const a11y: Record<string, string[]> = {};
/** Checks the page's accessibility, and saves its screenshot for `npm run screenshots`. */
const shot = async (name: string) => {
  a11y[name] = await accessibilityViolations(page);
  if (SHOTS) await page.screenshot({ path: join(SHOTS, `${name}.png`) });
};
const nav = (label: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click();

beforeAll(async () => {
  if (SHOTS) await mkdir(SHOTS, { recursive: true });
  server = await startDevServer({ vars: { ADMIN_TOKEN: TOKEN } });
  for (const [name, body] of Object.entries(demoAgentBodies({})))
    await call(`/agents/${name}`, { method: 'PUT', body: JSON.stringify(body) });
  for (const [name, yaml] of [
    ['competitor-analysis', DEMO_WORKFLOW_YAML],
    ['review-flow', REVIEW],
    ['daily-digest', DIGEST],
    ['market-scan', BLOCKS],
  ]) {
    await call(`/workflows/${name}`, { method: 'PUT', body: yaml, headers: { 'content-type': 'application/yaml' } });
  }
  // A real email starts a run and gets its reply, so the Messages page has both directions.
  const email = readFileSync(new URL('../fixtures/demo/competitor-request.eml', import.meta.url));
  const delivered = await fetch(
    `${server.url}/cdn-cgi/handler/email?from=ada@example.com&to=competitor-intel@baton.local`,
    { method: 'POST', body: email },
  );
  expect(delivered.ok).toBe(true);
  browser = await launchBrowser();
  ({ page, problems } = await watchedPage(browser));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('dashboard', () => {
  it('refuses a wrong API token and signs in with the right one', async () => {
    const headers = (await fetch(`${server.url}/runs`)).headers;
    expect(headers.get('content-security-policy')).toContain("script-src 'self'");
    await page.goto(`${server.url}/runs`);
    await page.getByLabel('API token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();
    // the refused request is the one error this test causes on purpose
    expect(problems.splice(0)).toEqual([
      'console error: Failed to load resource: the server responded with a status of 401 (Unauthorized)',
    ]);
    await shot('sign-in');
    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Runs' }).waitFor(); // the session is kept
  });

  it('lists a just-finished run, adds a new one live, and opens its timeline', async () => {
    const runId = await startRun('competitor-analysis', { topic: 'CRM tools for small teams' });
    await until('run completed', async () => (await runStatus(runId)) === 'completed');
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: runId.slice(-8) }) });
    await row.waitFor();
    await row.getByText('completed').waitFor();
    expect(await row.getByText('4 / 4').count()).toBe(1);
    const later = await startRun('competitor-analysis', { topic: 'Help desks' }); // arrives without a reload
    await page.getByRole('link', { name: later.slice(-8) }).waitFor();
    await page.getByRole('combobox', { name: 'Status' }).selectOption('completed');
    await page.getByRole('combobox', { name: 'Trigger' }).selectOption('email');
    await until(
      'the email run listed',
      async () => (await page.getByRole('table', { name: 'Runs' }).getByRole('row').count()) === 2,
    );
    await page.getByRole('combobox', { name: 'Trigger' }).selectOption('');
    await shot('runs');

    await page.getByRole('link', { name: runId.slice(-8) }).click();
    const timeline = page.getByRole('figure', { name: /timeline/i });
    await timeline.waitFor();
    expect(await timeline.getByRole('listitem').count()).toBe(4);
    await timeline.getByRole('button', { name: 'draft' }).click();
    await page.getByRole('region', { name: 'Step draft' }).getByRole('table', { name: 'Attempts' }).waitFor();
    expect(await page.getByRole('region', { name: 'Run output' }).innerText()).toContain('CRM');
    expect(await page.getByRole('button', { name: 'Pause' }).isDisabled()).toBe(true);
    await shot('run-detail');
  });

  it('approves a pending approval from the inbox, and the open run page shows it completed', async () => {
    const runId = await startRun('review-flow', { topic: 'Quarterly pricing update' });
    await pendingApproval(runId);
    await page.goto(`${server.url}/runs/${runId}`);
    await page.getByRole('heading', { level: 1, name: /waiting/ }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();

    await nav('Approvals');
    const card = page.getByRole('article', { name: 'Approval review of review-flow' });
    await card.waitFor();
    expect(await card.getByLabel('Approval message').innerText()).toContain('Send this draft?');
    await card.getByLabel('Comment').fill('Ship it.');
    await shot('approvals');
    await card.getByRole('button', { name: 'Approve' }).click();
    await card.waitFor({ state: 'detached' });
    await page.getByRole('tab', { name: 'Decided' }).click();
    await page.getByText(/approved by api on .*Ship it\./).waitFor();
    await until('run completed', async () => (await runStatus(runId)) === 'completed');

    await page.goto(`${server.url}/runs/${runId}`);
    await page.getByRole('heading', { level: 1, name: /completed/ }).waitFor();
  });

  it('updates an open run page live when the run changes elsewhere', async () => {
    const runId = await startRun('review-flow', { topic: 'Live' });
    const approval = await pendingApproval(runId);
    await page.goto(`${server.url}/runs/${runId}`);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await call(`/approvals/${encodeURIComponent(approval.id)}`, {
      method: 'POST',
      body: JSON.stringify({ decision: 'reject', comment: 'Not now' }),
    });
    await page.getByRole('heading', { level: 1, name: /failed/ }).waitFor();
    expect(await page.getByRole('button', { name: 'Restart from failed step' }).isEnabled()).toBe(true);
  });

  it("shows an agent step's turns and tool calls as bars in its timeline row and as a transcript", async () => {
    // A captured run answer (the API's shape, checked against its schema in test/website): the page is
    // the real dashboard; only this run's three reads are answered from the fixture.
    const run = AGENT_LOOP_RUN;
    await page.route(`**/api/runs/${run.id}`, (route) => route.fulfill({ json: run }));
    await page.route(`**/api/runs/${run.id}/messages`, (route) => route.fulfill({ json: [] }));
    await page.route(`**/api/runs/${run.id}/feedback`, (route) => route.fulfill({ json: [] }));
    await page.goto(`${server.url}/runs/${run.id}`);
    await page.getByRole('heading', { level: 1, name: /completed/ }).waitFor();
    const timeline = page.getByRole('figure', { name: /timeline/i });
    await timeline.getByRole('img', { name: 'tool echo (mcp): succeeded, 1.0 s' }).waitFor();
    expect(await timeline.getByRole('img', { name: /^tool / }).count()).toBe(4);
    expect(await timeline.getByRole('img', { name: /^(repair )?turn / }).count()).toBe(4);
    expect(
      await timeline.getByRole('img', { name: 'tool publish (workflow): rejected by lead@example.com, 2.0 s' }).count(),
    ).toBe(1);
    await timeline.getByRole('button', { name: 'classify' }).click();

    const transcript = page.getByRole('region', { name: 'Transcript of step classify' });
    await transcript.waitFor();
    expect(await transcript.innerText()).toContain('4 model turns, 4 tool calls · 6,500 in / 135 out tokens · $0.0168');
    const first = transcript.getByRole('article', { name: 'Turn 1' });
    expect(await first.innerText()).toContain('I will look this up. <img src=x onerror="window.__pwned=1">');
    expect(await transcript.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    const fetchCall = first.getByRole('article', { name: 'Tool call fetch_page' });
    const output = fetchCall.getByRole('figure', { name: 'Output' });
    expect(await output.getByText('Line 40:').isVisible()).toBe(false); // long: collapsed
    await output.getByText('Output', { exact: true }).click();
    await output.getByText('Line 40:').waitFor();
    const delegated = transcript.getByRole('article', { name: 'Tool call summarize' });
    expect(await delegated.innerText()).toMatch(/approved by lead@example\.com on .+: .?Go ahead\./);
    expect(await delegated.getByRole('link', { name: /Child run/ }).getAttribute('href')).toBe(
      '/runs/run_01JDASHCHILD0000000SUMMARY',
    );
    const repair = transcript.getByRole('article', { name: 'Repair turn 4' });
    expect(await repair.innerText()).toContain('/category: must be string');
    await timeline.scrollIntoViewIfNeeded();
    await shot('run-transcript');
    await page.unrouteAll();
  });

  it('shows a definition error at its line, and draws parallel blocks, switches and loops in the graph', async () => {
    await nav('Workflows');
    await page.getByRole('link', { name: 'competitor-analysis' }).click();
    const graph = page.getByRole('figure', { name: 'Workflow graph' });
    await graph.waitFor();
    await until('four nodes drawn', async () => (await graph.locator('.react-flow__node').count()) === 4);
    expect(await graph.locator('.react-flow__edge').count()).toBe(3);

    const editor = page.getByLabel('Definition (YAML)');
    const broken = DEMO_WORKFLOW_YAML.replace('    timeout: 2m\n    retry', '    timeout: soon\n    retry');
    const line = broken.split('\n').findIndex((l) => l.includes('timeout: soon')) + 1;
    await editor.fill(broken);
    const problemsList = page.getByRole('list', { name: 'Problems' });
    await problemsList.getByText(`Line ${line}`).waitFor();
    expect(await problemsList.innerText()).toContain('steps[0].timeout');
    expect(await page.getByRole('button', { name: 'Save as new version' }).isDisabled()).toBe(true);
    await shot('workflow-editor');
    await page.getByRole('button', { name: 'Discard changes' }).click();
    await problemsList.getByText('No problems found.').waitFor();

    // The schema accepts any agent name; the API refuses an unknown one, and the editor puts it at its line.
    const unknownAgent = DEMO_WORKFLOW_YAML.replace('agent: summarize', 'agent: nobody');
    await editor.fill(unknownAgent);
    await page.getByRole('button', { name: 'Save as new version' }).click();
    await problemsList
      .getByText(`Line ${unknownAgent.split('\n').findIndex((l) => l.includes('agent: nobody')) + 1}`)
      .waitFor();
    expect(await problemsList.innerText()).toContain('steps[1].agent');
    expect(problems.splice(0)).toEqual([
      'console error: Failed to load resource: the server responded with a status of 400 (Bad Request)',
    ]);
    await page.getByRole('button', { name: 'Discard changes' }).click();

    await nav('Workflows');
    await page.getByRole('link', { name: 'market-scan' }).click();
    await graph.getByRole('group', { name: 'parallel step gather' }).waitFor();
    for (const name of [
      'agent step web',
      'agent step docs',
      'switch step route',
      'agent step condense',
      'agent step keep',
      'foreach step per_competitor',
      'agent step dive',
      'agent step report',
    ]) {
      expect(await graph.getByRole('group', { name }).count(), name).toBe(1);
    }
    for (const label of ['long', 'default', 'each item'])
      expect(
        await graph
          .locator('.react-flow__edge-text')
          .filter({ hasText: new RegExp(`^${label}$`) })
          .count(),
        label,
      ).toBe(1);
    await shot('workflow');
  });

  it('runs a workflow now with an input, and stacks its parallel branches in the timeline', async () => {
    await page.getByLabel('Input (JSON)').fill('{ "topic": "CRM", "competitors": ["Acme", "Globex", "Initech"] }');
    await page.getByRole('button', { name: 'Run v1' }).click();
    await page.getByRole('heading', { level: 1, name: /completed/ }).waitFor();
    const rows = await page
      .getByRole('figure', { name: /timeline/i })
      .getByRole('listitem')
      .allInnerTexts();
    expect(rows.map((r) => r.trim())).toEqual(
      expect.arrayContaining(['gather', 'web', 'docs', 'route', 'per_competitor', 'report']),
    );
    expect(rows.filter((r) => r.trim().startsWith('dive'))).toHaveLength(3); // one row per loop iteration
  });

  it('saves a new version, diffs it, rolls back, exports and imports definitions', async () => {
    await nav('Workflows');
    await page.getByRole('link', { name: 'competitor-analysis' }).click();
    const editor = page.getByLabel('Definition (YAML)');
    await editor.fill(
      DEMO_WORKFLOW_YAML.replace(
        'description: Research competitors, summarise, draft and proofread a report',
        'description: A shorter description',
      ),
    );
    await page.getByRole('button', { name: 'Save as new version' }).click();
    await page.getByRole('heading', { level: 1, name: /v2/ }).waitFor();
    const diff = page.getByLabel('Changes from v1 to v2');
    await diff.getByText('+ description: A shorter description').waitFor();
    expect(await diff.innerText()).toContain(
      '- description: Research competitors, summarise, draft and proofread a report',
    );

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Roll back to v1' }).click();
    await page.getByRole('heading', { level: 1, name: /v3/ }).waitFor();
    const [v1, v3] = await Promise.all(
      [1, 3].map((v) => call<{ source: string }>(`/workflows/competitor-analysis?version=${v}`)),
    );
    expect(v3!.source).toBe(v1!.source);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('competitor-analysis.v3.yaml');
    const exported = await readFile(await download.path());
    expect(exported.toString()).toBe(v1!.source);

    await nav('Workflows');
    const imported = DEMO_WORKFLOW_YAML.replace('name: competitor-analysis', 'name: imported-flow').replace(
      '  - email: { alias: competitor-intel }\n',
      '  - schedule: { cron: "0 9 * * 1" }\n',
    );
    await page
      .getByLabel('Import definition…')
      .setInputFiles({ name: 'imported-flow.yaml', mimeType: 'application/yaml', buffer: Buffer.from(imported) });
    await page.getByRole('status').filter({ hasText: 'Imported imported-flow v1.' }).waitFor();
    await page.getByRole('link', { name: 'imported-flow' }).waitFor();
  });

  it('builds a workflow from registry agents and saves it as a version', async () => {
    await nav('Builder');
    await page.getByLabel('Name').fill('built-flow');
    await page.getByRole('button', { name: 'Add agent research' }).click();
    await page
      .getByRole('listitem')
      .filter({ hasText: 'summarize' })
      .dragTo(page.getByRole('region', { name: 'Workflow canvas' }), { targetPosition: { x: 420, y: 120 } });
    const handle = (id: string, side: 'source' | 'target') =>
      page.locator(`.react-flow__node[data-id="${id}"] .react-flow__handle.${side}`);
    await handle('summarize', 'target').waitFor();
    await handle('research', 'source').dragTo(handle('summarize', 'target'), { force: true });
    await page.getByRole('button', { name: 'Add agent draft' }).click();
    const yaml = page.getByLabel('Generated YAML');
    await until('three steps', async () => (await yaml.innerText()).includes('id: draft'));
    // Keyboard way to connect: the selected step's "Runs after" boxes.
    const runsAfter = page.getByRole('group', { name: 'Runs after' });
    await runsAfter.getByLabel('research').check();
    await until('needs written', async () => (await yaml.innerText()).includes('needs:'));
    await runsAfter.getByLabel('research').uncheck();
    await until('needs gone', async () => !(await yaml.innerText()).includes('needs:'));
    await page.getByLabel('Input').fill('Write it up: {{ summarize.output }}');
    await shot('builder');
    await page.getByRole('button', { name: 'Save as new version' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    const saved = await call<{
      version: number;
      definition: { steps: { id: string; agent: string; input: string; needs?: string[] }[] };
    }>('/workflows/built-flow');
    expect(saved.version).toBe(1);
    expect(saved.definition.steps.map((s) => s.agent)).toEqual(['research', 'summarize', 'draft']);
    // summarize was dropped unconnected, then connected to research by its handles
    expect(saved.definition.steps[1]).toMatchObject({ id: 'summarize', input: '{{ research.output }}' });
    expect(saved.definition.steps[1]!.needs ?? ['research']).toEqual(['research']);
    expect(saved.definition.steps[2]).toMatchObject({ id: 'draft', input: 'Write it up: {{ summarize.output }}' });
    expect(saved.definition.steps[2]!.needs ?? ['summarize']).toEqual(['summarize']);

    // A workflow with blocks opens with its top-level steps as nodes; saving keeps the blocks whole.
    await page.goto(`${server.url}/builder?workflow=market-scan`);
    const canvas = page.getByRole('region', { name: 'Workflow canvas' });
    await canvas.getByRole('group', { name: 'Step gather, parallel' }).waitFor();
    expect(await canvas.locator('.react-flow__node').count()).toBe(4);
    await page.getByRole('button', { name: 'Save as new version' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    const plan = await call<{ nodes: { id: string }[]; edges: unknown[] }>('/workflows/market-scan/plan');
    expect(plan.nodes.map((n) => n.id).sort()).toEqual([
      'condense',
      'dive',
      'docs',
      'gather',
      'keep',
      'per_competitor',
      'report',
      'route',
      'web',
    ]);
  });

  it('lists agents with health, schedules with next fire times, and the email log', async () => {
    await nav('Agents');
    const research = page.getByRole('row').filter({ hasText: 'research' }).first();
    await research.getByText('closed').waitFor();
    expect(await research.getByText('100.0 %').count()).toBe(1);
    await shot('agents');
    await nav('Schedules');
    const digest = page.getByRole('row').filter({ hasText: 'daily-digest' });
    await digest.getByText('0 7 * * 1-5').waitFor();
    expect(await digest.getByText('Europe/Berlin').count()).toBe(1);
    await shot('schedules');
    await nav('Messages');
    await page.getByRole('row').filter({ hasText: 'ada@example.com' }).filter({ hasText: 'accepted' }).waitFor();
    await page.getByRole('row').filter({ hasText: 'outbound' }).first().waitFor();
    await shot('messages');
  });

  it('charts runs, duration and cost, and lists workflows, steps and agents as the analytics API counts them', async () => {
    type Counts = { workflows: { workflow: string; runs: number }[] };
    const api = await until('competitor-analysis in analytics', async () => {
      const body = await call<Counts>('/analytics/workflows');
      return body.workflows.find((w) => w.workflow === 'competitor-analysis');
    });
    expect(api.runs).toBeGreaterThan(0);
    await nav('Analytics');
    const row = page
      .getByRole('table', { name: 'Workflows' })
      .getByRole('row')
      .filter({ hasText: 'competitor-analysis' });
    await row.waitFor();
    expect(await row.getByRole('cell').nth(1).textContent()).toBe(String(api.runs));
    await page.getByRole('figure', { name: 'Runs per bucket' }).locator('.recharts-bar-rectangle').first().waitFor();
    await page.getByRole('table', { name: 'Agents' }).getByRole('row').filter({ hasText: 'research' }).waitFor();
    await page.getByRole('combobox', { name: 'Workflow' }).selectOption('competitor-analysis');
    const steps = page.getByRole('table', { name: 'Steps of competitor-analysis' });
    for (const step of ['research', 'summarize', 'draft', 'proofread'])
      await steps.getByRole('row').filter({ hasText: step }).first().waitFor();
    await shot('analytics');
  });

  it('rates an ended run with thumbs and a comment, recorded as feedback', async () => {
    const { runs } = await call<{ runs: { id: string }[] }>('/runs?workflow=competitor-analysis&status=completed');
    const runId = runs[0]!.id;
    await page.goto(`${server.url}/runs/${runId}`);
    const box = page.getByRole('region', { name: 'Feedback' });
    await box.getByLabel('Comment').fill('Clear and complete.');
    await box.getByRole('button', { name: 'Thumbs up' }).click();
    await box.getByRole('list', { name: 'Feedback given' }).getByText('“Clear and complete.”').waitFor();
    expect(await box.getByRole('heading').innerText()).toContain('👍 1');
    const stored = await call<{ rating: string; comment: string }[]>(`/runs/${runId}/feedback`);
    expect(stored).toEqual([expect.objectContaining({ rating: 'up', comment: 'Clear and complete.' })]);
    await shot('run-feedback');
  });

  it("shows a scored run's evaluation: its score, grade and each scorer's reasons", async () => {
    const put = await call<{ version: number }>('/workflows/scored', {
      method: 'PUT',
      headers: { 'content-type': 'application/yaml' },
      body: `name: scored
steps: [ { id: write, agent: draft, input: "pricing" } ]
evaluate:
  - { name: long_enough, expression: "$length(output) > 20" }
  - { name: shape, schema: { type: string, maxLength: 5 } }
`,
    });
    expect(put.version).toBe(1);
    const runId = await startRun('scored', {});
    await until('the evaluation', async () => {
      const run = await call<{ evaluation?: { complete: boolean } | null }>(`/runs/${runId}`);
      return run.evaluation?.complete;
    });
    await page.goto(`${server.url}/runs/${runId}`);
    const box = page.getByRole('region', { name: 'Evaluation' });
    await box.getByRole('heading').filter({ hasText: '50.0 · fair' }).waitFor();
    const rows = await box.getByRole('table', { name: 'Scores' }).getByRole('row').allInnerTexts();
    expect(rows.slice(1).map((r) => r.split('\t').slice(0, 2))).toEqual([
      ['long_enough', '100'],
      ['shape', '0'],
    ]);
    expect(rows[1]).toContain('the expression is true');
    expect(rows[2]).toMatch(/\/: .+/); // the schema's issue, at its JSON Pointer
  });

  it('lists the templates with their graphs, and makes a workflow from one ("Use template")', async () => {
    await nav('Templates');
    const rfp = page.getByRole('region', { name: 'RFP response with review' });
    await rfp.locator('.react-flow__node').first().waitFor();
    expect(await rfp.locator('.react-flow__node').count()).toBeGreaterThanOrEqual(6);
    const templates = await call<{ id: string; title: string }[]>('/templates');
    expect(templates.length).toBeGreaterThanOrEqual(6);
    for (const t of templates) await page.getByRole('region', { name: t.title }).waitFor();
    await shot('templates');
    const digest = page.getByRole('region', { name: 'Daily news digest' });
    await digest.getByLabel('Workflow name').fill('digest-from-template');
    await digest.getByLabel('Vars (JSON)').fill(JSON.stringify({ topic: 'solar', cron: '0 6 * * *', timezone: 'UTC' }));
    await digest.getByRole('button', { name: 'Use template' }).click();
    await page.getByRole('heading', { level: 1, name: /digest-from-template/ }).waitFor();
    const made = await call<{ source: string }>('/workflows/digest-from-template');
    expect(made.source).toContain('topic: solar');
  });

  it('saves an alert rule from the page, and lists the alert a failing run raises', async () => {
    await nav('Alerts');
    const form = page.getByRole('form', { name: 'Save a rule' });
    await form.getByLabel('Rule name').fill('review-failed');
    await form
      .getByLabel('Rule (JSON)')
      .fill(JSON.stringify({ type: 'run_failed', workflow: 'review-flow', notify: { email: ['ops@example.com'] } }));
    await form.getByRole('button', { name: 'Save rule' }).click();
    const rule = page.getByRole('table', { name: 'Alert rules' }).getByRole('row').filter({ hasText: 'review-failed' });
    await rule.waitFor();
    expect(await rule.innerText()).toContain('review-flow: a run fails');
    const runId = await startRun('review-flow', { topic: 'Alerted' });
    const approval = await pendingApproval(runId);
    await call(`/approvals/${encodeURIComponent(approval.id)}`, {
      method: 'POST',
      body: JSON.stringify({ decision: 'reject', comment: 'No' }),
    });
    await until('the alert', async () =>
      (await call<{ events: { runId: string }[] }>('/alerts/events?rule=review-failed')).events.find(
        (e) => e.runId === runId,
      ),
    );
    await page.reload();
    const fired = page.getByRole('table', { name: 'Alerts' }).getByRole('row').filter({ hasText: runId });
    await fired.waitFor();
    expect(await fired.innerText()).toContain('email ops@example.com: sent');
    await shot('alerts');
  });

  it('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').waitFor();
  });

  it('had no page errors and no console errors', () => {
    expect(problems).toEqual([]);
  });

  it('had no serious WCAG 2 A/AA violations on any page (axe-core)', () => {
    expect(Object.keys(a11y)).toHaveLength(15);
    expect(Object.fromEntries(Object.entries(a11y).filter(([, found]) => found.length))).toEqual({});
  });

  it('sent only messages that pass the strict MIME check (the demo reply, approval emails, notes)', async () => {
    const { runs } = await call<{ runs: { id: string }[] }>('/runs?limit=100');
    const sent: { runId: string; subject: string; raw: string }[] = [];
    for (const run of runs) {
      const messages = await call<{ direction: string; subject: string; raw: string }[]>(`/runs/${run.id}/messages`);
      sent.push(
        ...messages
          .filter((m) => m.direction === 'outbound' && m.raw)
          .map((m) => ({ runId: run.id, subject: m.subject, raw: m.raw })),
      );
    }
    expect(sent.length).toBeGreaterThan(0);
    expect(
      sent.map((m) => ({ ...m, raw: undefined, problems: mimeProblems(m.raw) })).filter((m) => m.problems.length),
    ).toEqual([]);
  });
});
