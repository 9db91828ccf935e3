import { describe, expect, it } from 'vitest';
import { agentUsesOf, usesAgent, type RegisteredAgent } from '../../src/core/definition/agent-refs';
import { validateDefinition } from '../../src/core/definition';
import { agentStats } from '../../src/core/policy/agent-stats';
import type { WorkflowDefinition } from '../../src/schemas/definition';

const registry = new Map<string, RegisteredAgent>([
  ['fresh', { version: 3, status: 'active', skills: ['summarize'], domain: 'marketing' }],
  ['old', { version: 1, status: 'deprecated', skills: ['summarize'] }],
  ['down', { version: 2, status: 'offline', skills: ['draft'] }],
]);
const def = (steps: unknown[]) => ({ name: 'wf', steps });

describe('registry checks at registration', () => {
  it('accepts name@N up to the latest version and refuses past it, with the path', () => {
    expect(validateDefinition(def([{ id: 'a', agent: 'fresh@3', input: 'x' }]), { agents: registry }).ok).toBe(true);
    const refused = validateDefinition(def([{ id: 'a', agent: 'fresh@4', input: 'x' }]), { agents: registry });
    expect(refused).toEqual({
      ok: false,
      issues: [{ path: 'steps[0].agent', message: "agent 'fresh' has no version 4 (its latest is 3)" }],
    });
  });

  it('refuses an offline agent, also as a tool; warns of a deprecated one', () => {
    const offline = validateDefinition(def([{ id: 'a', agent: 'fresh', input: 'x', tools: [{ agent: 'down' }] }]), {
      agents: registry,
    });
    expect(offline.ok ? [] : offline.issues.map((i) => i.path)).toEqual(['steps[0].tools[0].agent']);
    const warned = validateDefinition(def([{ id: 'a', agent: 'old', input: 'x' }]), { agents: registry });
    expect(warned.ok && warned.warnings).toEqual([{ path: 'steps[0].agent', message: "agent 'old' is deprecated" }]);
  });

  it('warns when no active agent serves a selection (skill and domain), and is silent when one does', () => {
    const check = (agent: unknown) => validateDefinition(def([{ id: 'a', agent, input: 'x' }]), { agents: registry });
    const served = check({ skill: 'summarize', domain: 'marketing' });
    expect(served.ok && served.warnings).toEqual([]);
    for (const selector of [{ skill: 'draft' }, { skill: 'summarize', domain: 'legal' }]) {
      const r = check(selector);
      expect(r.ok && r.warnings.map((w) => w.path)).toEqual(['steps[0].agent']);
    }
  });

  it('checks nothing of the registry when only names are known', () => {
    const r = validateDefinition(def([{ id: 'a', agent: 'down@9', input: 'x' }]), { agents: new Set(['down']) });
    expect(r.ok && r.warnings).toEqual([]);
  });
});

describe('agent uses of a definition (dependants, delete)', () => {
  const parsed = validateDefinition(
    def([
      { id: 'a', agent: 'fresh@2', input: 'x' },
      { id: 'p', parallel: [{ id: 'b', agent: { skill: 'draft' }, input: 'x', tools: [{ agent: 'helper' }] }] },
    ]),
  );
  const wf = (parsed.ok ? parsed.definition : undefined) as WorkflowDefinition;

  it('collects names (pinned or not, tools included, inside blocks) and selections', () => {
    const uses = agentUsesOf(wf);
    expect([...uses.names].sort()).toEqual(['fresh', 'helper']);
    expect(uses.selections.map((s) => [s.skill, s.domain])).toEqual([['draft', undefined]]);
    expect(usesAgent(uses, 'fresh')).toBe(true);
    expect(usesAgent(uses, 'down')).toBe(false);
    expect(usesAgent(uses, 'down', { skills: ['draft'] })).toBe(true);
    expect(usesAgent(uses, 'other', { skills: ['summarize'] })).toBe(false);
  });
});

describe('agentStats throughput and cost per call', () => {
  it('divides ended calls by the window and cost by calls', () => {
    const s = agentStats(
      [
        { status: 'succeeded', durationMs: 10, costUsd: 0.01, inputTokens: null, outputTokens: null },
        { status: 'failed', durationMs: 30, costUsd: 0.03, inputTokens: null, outputTokens: null },
        { status: 'running', durationMs: null, costUsd: null, inputTokens: null, outputTokens: null },
      ],
      4,
    );
    expect(s).toMatchObject({ calls: 2, throughputPerHour: 0.5, successRate: 0.5 });
    expect(s.costPerCallUsd).toBeCloseTo(0.02);
    expect(agentStats([])).toMatchObject({ costPerCallUsd: null, throughputPerHour: null });
  });
});
