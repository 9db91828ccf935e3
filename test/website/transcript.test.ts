// The run page's transcript and timeline marks, rendered to HTML from a captured run (the API's
// shape, checked against its schema): the server's looping agent run is not needed to test the page.
import { createElement, type FunctionComponent, type ReactElement, type ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Router } from 'wouter';
import { Run as RunSchema } from '../../src/schemas/api';
import { Timeline } from '../../website/src/components/Timeline';
import { Transcript } from '../../website/src/components/Transcript';
import type { Run } from '../../website/src/types';
import fixture from './fixtures/agent-loop-run.json';

/** A completed run whose `classify` step looped: 4 turns, 4 tool calls (mcp, http, agent, workflow), a repair. */
const AGENT_LOOP_RUN = fixture as Run;
/** wouter's router at a path, as on the server (its types want children as a prop; createElement passes them after). */
const AtPath = Router as FunctionComponent<{ ssrPath: string; children?: ReactNode }>;
const render = (element: ReactElement) =>
  renderToStaticMarkup(createElement(AtPath, { ssrPath: `/runs/${AGENT_LOOP_RUN.id}` }, element));
const step = AGENT_LOOP_RUN.steps[0]!;

describe('Transcript', () => {
  it('renders the fixture, which is a valid run answer of the API', () => {
    expect(RunSchema.safeParse(AGENT_LOOP_RUN).error).toBeUndefined();
  });

  it('lists each turn with its model, tokens, cost and text, and the step totals', () => {
    const html = render(createElement(Transcript, { step }));
    expect(html).toContain('aria-label="Transcript of step classify"');
    expect(html).toContain('4 model turns, 4 tool calls · 6,500 in / 135 out tokens · $0.0168');
    for (const name of ['Turn 1', 'Turn 2', 'Turn 3', 'Repair turn 4']) expect(html).toContain(`aria-label="${name}"`);
    expect(html).toContain('gpt-test (openai)');
    expect(html).toContain('1,200 in / 40 out');
    expect(html).toContain('$0.0031');
    expect(html).toContain('badge-answer');
  });

  it('shows model text as text, never as HTML', () => {
    const html = render(createElement(Transcript, { step }));
    expect(html).toContain('I will look this up. &lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;');
    expect(html).not.toMatch(/<img/i);
  });

  it('lists each tool call with kind, arguments, status, output, approval and child run', () => {
    const html = render(createElement(Transcript, { step }));
    expect(html).toContain('<h5 class="mono">echo</h5> <span class="kind">mcp</span>');
    expect(html).toContain('&quot;message&quot;: &quot;hello from the loop&quot;');
    expect(html).toContain('Echo: hello from the loop');
    expect(html).toContain('href="/runs/run_01JDASHCHILD0000000SUMMARY"');
    expect(html).toMatch(/approved<\/span> by lead@example\.com on [^<]+: <q>Go ahead\.<\/q>/);
    expect(html).toMatch(/rejected<\/span> by lead@example\.com on [^<]+: <q>not this one<\/q>/);
    expect(html).toContain('The call was rejected by lead@example.com: not this one');
    expect(html.match(/href="\/runs\//g)).toHaveLength(1); // only the agent tool has a child run here
  });

  it('collapses a long output under a preview of its first line', () => {
    const html = render(createElement(Transcript, { step }));
    expect(html).toMatch(
      /<details><summary><strong>Output<\/strong> <span class="muted">Line 1: pricing table row for plan 1, seats and features listed in full\.… \(\d+ characters\)/,
    );
    expect(html).not.toMatch(/<details><summary><strong>Arguments/); // short ones stay open
  });

  it('flags the invalid answer and the repair turn with the schema issues at their paths', () => {
    const html = render(createElement(Transcript, { step }));
    expect(html).toContain('The answer did not match the output schema:');
    expect(html).toContain('Asked to fix these output-schema issues:');
    expect(html.match(/<code>\/category<\/code>: must be string/g)).toHaveLength(2);
  });

  it('renders nothing for a step without turns', () => {
    expect(render(createElement(Transcript, { step: AGENT_LOOP_RUN.steps[1]! }))).toBe('');
  });
});

describe('Timeline marks', () => {
  it('draws the turns and tool calls inside the looping step only, labelled with tool, status and duration', () => {
    const html = render(createElement(Timeline, { run: AGENT_LOOP_RUN, selected: null, onSelect: () => {} }));
    const labels = [...html.matchAll(/role="img" aria-label="([^"]+)"/g)].map((m) => m[1]);
    expect(labels).toEqual([
      'turn 1 (gpt-test): succeeded, 1.0 s, 1,200 in / 40 out tokens',
      'turn 2 (gpt-test): succeeded, 1.0 s, 1,500 in / 30 out tokens',
      'turn 3 (gpt-test): succeeded, 1.0 s, 1,700 in / 25 out tokens',
      'repair turn 4 (gpt-test): succeeded, 1.0 s, 1,800 in / 20 out tokens',
      'tool echo (mcp): succeeded, 1.0 s',
      'tool fetch_page (http): succeeded, 1.9 s',
      'tool summarize (agent): succeeded, 3.0 s',
      'tool publish (workflow): rejected by lead@example.com, 2.0 s',
    ]);
    expect(html.match(/timeline-track loop/g)).toHaveLength(1);
  });
});
