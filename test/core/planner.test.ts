import { describe, expect, it } from 'vitest';
import { DEFAULT_ESTIMATE_MS, planExecution } from '../../src/core/policy/planner';
import { validated } from '../support/definitions';

const planOf = (yaml: string) => validated(yaml).plan;

const yaml = `name: p
steps:
  - { id: a, agent: x }
  - id: par
    parallel:
      - { id: b, agent: x }
      - { id: c, sleep: 5s }
  - { id: d, agent: x, needs: [a] }
  - { id: e, agent: x, needs: [par, d] }
`;

describe('planner', () => {
  it('finds parallel groups and the critical path by estimated durations', () => {
    const plan = planExecution(
      planOf(yaml),
      new Map([
        ['a', 100],
        ['b', 200],
        ['d', 50],
        ['e', 10],
      ]),
    );
    expect(plan.groups).toEqual([
      { list: 'root', steps: ['a'] },
      { list: 'root', steps: ['par', 'd'] },
      { list: 'root', steps: ['e'] },
      { list: 'par', steps: ['b', 'c'] },
    ]);
    expect(plan.criticalPath).toEqual({ steps: ['a', 'par', 'e'], estimateMs: 5110 });
    expect(plan.nodes.find((n) => n.id === 'c')).toMatchObject({ estimateMs: 5000, estimated: 'definition' });
    expect(plan.edges).toContainEqual({ from: 'par', to: 'e' });
  });

  it('uses a default estimate without history, and wait_for any takes the fastest child', () => {
    const plan = planExecution(
      planOf(yaml.replace('      - { id: c, sleep: 5s }', '      - { id: c, sleep: 5s }\n    wait_for: any')),
      new Map(),
    );
    expect(plan.nodes.find((n) => n.id === 'par')!.estimateMs).toBe(DEFAULT_ESTIMATE_MS);
    expect(plan.criticalPath.estimateMs).toBe(3 * DEFAULT_ESTIMATE_MS);
  });
});
