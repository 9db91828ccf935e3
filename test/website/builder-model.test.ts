import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { definitionOf, freshId, modelOf, yamlOf } from '../../website/src/builder-model';
import { validated } from '../support/definitions';

const CHAIN = `name: chain
description: three in a row
steps:
  - { id: research, agent: research, input: "{{ inputs.topic }}" }
  - { id: summarize, agent: summarize, input: "{{ research.output }}" }
  - { id: draft, agent: draft, input: "{{ summarize.output }}" }
output: "{{ draft.output }}"
`;

describe('builder model', () => {
  it('round-trips a hand-written chain without adding needs', () => {
    const model = modelOf(parse(CHAIN));
    expect(model.edges).toEqual([
      { source: 'research', target: 'summarize' },
      { source: 'summarize', target: 'draft' },
    ]);
    expect(definitionOf(model)).toEqual(parse(CHAIN));
  });

  it('writes needs where the canvas differs from list order, orders steps after their needs, and the result validates', () => {
    const model = modelOf(parse(CHAIN));
    // draft now needs research directly, and a new step fans in from both
    model.edges = [
      { source: 'research', target: 'summarize' },
      { source: 'research', target: 'draft' },
      { source: 'summarize', target: 'merge' },
      { source: 'draft', target: 'merge' },
    ];
    model.steps.find((s) => s.id === 'draft')!.body.input = '{{ research.output }}';
    model.steps.unshift({ id: 'merge', body: { agent: 'proofread', input: '{{ draft.output }}' } });
    const yaml = yamlOf(model);
    const definition = parse(yaml) as { steps: { id: string; needs?: string[] }[] };
    expect(definition.steps.map((s) => s.id)).toEqual(['research', 'summarize', 'draft', 'merge']);
    expect(definition.steps.map((s) => s.needs)).toEqual([undefined, undefined, ['research'], ['summarize', 'draft']]);
    const result = validated(yaml);
    if (!result.ok) throw new Error('invalid');
    const plan = result.plan;
    expect(plan.byId.get('merge')!.deps).toEqual(['summarize', 'draft']);
    expect(plan.byId.get('draft')!.deps).toEqual(['research']);
  });

  it('keeps a second root step independent with needs: []', () => {
    const model = {
      header: { name: 'two' },
      steps: [
        { id: 'a', body: { agent: 'x' } },
        { id: 'b', body: { agent: 'y' } },
      ],
      edges: [],
    };
    expect((definitionOf(model).steps as { needs?: string[] }[])[1]!.needs).toEqual([]);
  });

  it('refuses a cycle, naming its steps', () => {
    const model = {
      header: { name: 'loop' },
      steps: [
        { id: 'a', body: {} },
        { id: 'b', body: {} },
      ],
      edges: [
        { source: 'a', target: 'b' },
        { source: 'b', target: 'a' },
      ],
    };
    expect(() => definitionOf(model)).toThrow('cycle through a, b');
  });

  it('makes step ids from agent names', () => {
    expect(freshId('web-research', [])).toBe('web_research');
    expect(freshId('research', ['research', 'research_2'])).toBe('research_3');
    expect(freshId('3d', [])).toBe('step_3d');
  });
});
