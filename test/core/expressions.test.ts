import { describe, expect, it } from 'vitest';
import { evaluateCondition, expressionRoots, parseTemplate, render, scanTemplates, namesReadBy } from '../../src/core/expressions';

const context = { inputs: { topic: 'CRM', n: 3, list: [1, 2] }, trigger: { type: 'api' }, research: { output: 'notes', status: 'succeeded' } };

describe('templates', () => {
  it.each([
    ['plain text', 'plain text'],
    ['Topic: {{ inputs.topic }}', 'Topic: CRM'],
    ['{{ inputs.n }}', 3],
    ['{{ inputs.list }}', [1, 2]],
    ['{{ { "t": inputs.topic } }}', { t: 'CRM' }],
    ['n={{ inputs.n }} list={{ inputs.list }}', 'n=3 list=[1,2]'],
    ['{{ inputs.missing }}', null],
    ['[{{ inputs.missing }}]', '[]'],
    ['{{ research.output & "!" }}', 'notes!'],
  ])('%s renders to %j', async (template, expected) => {
    expect(await render(template, context, 'x')).toEqual(expected);
  });

  it('renders inside objects and arrays', async () => {
    expect(await render({ a: ['{{ inputs.n }}', 'x'], b: { c: '{{ inputs.topic }}' } }, context, 'x')).toEqual({ a: [3, 'x'], b: { c: 'CRM' } });
  });

  it('data is interpolated, never evaluated', async () => {
    const evil = { inputs: { topic: '{{ $eval("1+1") }}' } };
    expect(await render('T: {{ inputs.topic }}', evil, 'x')).toBe('T: {{ $eval("1+1") }}');
  });

  it('reports unclosed and invalid templates with their path', async () => {
    expect(parseTemplate('a {{ b')).toEqual({ error: { message: 'unclosed {{ (missing }})', offset: 2 } });
    await expect(render('{{ inputs. }}', context, 'steps[1].input')).rejects.toThrow(/^steps\[1\]\.input: invalid expression/);
    await expect(render('{{ $number("x") }}', context, 'output')).rejects.toThrow(/^output: \{\{ \$number\("x"\) \}\} failed/);
  });

  it('conditions use JSONata truthiness, bare or braced', async () => {
    expect(await evaluateCondition('inputs.n > 2', context, 'if')).toBe(true);
    expect(await evaluateCondition('{{ inputs.missing }}', context, 'if')).toBe(false);
    expect(await evaluateCondition('{{ inputs.topic = "CRM" }}', context, 'if')).toBe(true);
    expect(await evaluateCondition('""', context, 'if')).toBe(false);
  });

  it('lists the root names an expression reads, not names inside filters', () => {
    expect([...expressionRoots('research.output & inputs.topic')].sort()).toEqual(['inputs', 'research']);
    expect([...expressionRoots('$count(items[kind = other.x])')]).toEqual(['items']);
    expect([...expressionRoots('$map(inputs.list, function($v) { $v.name })')]).toEqual(['inputs']);
    expect(scanTemplates({ a: 'x {{ draft.output }}' }, 'steps[0].input').uses[0]).toEqual({ path: 'steps[0].input.a', roots: new Set(['draft']) });
  });
});

describe('namesReadBy: what a step definition reads of the run context', () => {
  it('collects the root names of every template and condition, child steps included', () => {
    const step = {
      id: 'x', agent: 'a', input: 'Use {{ research.output }} on {{ inputs.topic }}', if: "summarize.status = 'succeeded'",
      parallel: [{ id: 'c', agent: 'a', input: '{{ $uppercase(draft.output) }}' }],
    };
    expect([...namesReadBy(step)!].sort()).toEqual(['draft', 'inputs', 'research', 'summarize']);
  });

  it('is null (the whole context) for $ or $$ at the root, or a template that does not parse', () => {
    expect(namesReadBy({ input: "{{ $lookup($, 'research') }}" })).toBeNull();
    expect(namesReadBy({ input: '{{ $$.research.output }}' })).toBeNull();
    expect(namesReadBy({ input: '{{ research.output ' })).toBeNull();
    expect(namesReadBy({ input: 'no templates here' })).toEqual(new Set());
  });
});
