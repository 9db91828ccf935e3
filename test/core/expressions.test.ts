import { describe, expect, it } from 'vitest';
import {
  evaluateCondition,
  expressionRoots,
  parseTemplate,
  render,
  scanTemplates,
  namesReadBy,
} from '../../src/core/expressions';

const context = {
  inputs: { topic: 'CRM', n: 3, list: [1, 2] },
  trigger: { type: 'api' },
  research: { output: 'notes', status: 'succeeded' },
};

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
    expect(await render({ a: ['{{ inputs.n }}', 'x'], b: { c: '{{ inputs.topic }}' } }, context, 'x')).toEqual({
      a: [3, 'x'],
      b: { c: 'CRM' },
    });
  });

  it('data is interpolated, never evaluated', async () => {
    const evil = { inputs: { topic: '{{ $eval("1+1") }}' } };
    expect(await render('T: {{ inputs.topic }}', evil, 'x')).toBe('T: {{ $eval("1+1") }}');
  });

  it('reports unclosed and invalid templates with their path', async () => {
    expect(parseTemplate('a {{ b')).toEqual({ error: { message: 'unclosed {{ (missing }})', offset: 2 } });
    await expect(render('{{ inputs. }}', context, 'steps[1].input')).rejects.toThrow(
      /^steps\[1\]\.input: invalid expression/,
    );
    await expect(render('{{ $number("x") }}', context, 'output')).rejects.toThrow(
      /^output: \{\{ \$number\("x"\) \}\} failed/,
    );
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
    expect(scanTemplates({ a: 'x {{ draft.output }}' }, 'steps[0].input').uses[0]).toEqual({
      path: 'steps[0].input.a',
      roots: new Set(['draft']),
    });
  });
});

describe('namesReadBy: what a step definition reads of the run context', () => {
  it('collects the root names of every template and condition, child steps included', () => {
    const step = {
      id: 'x',
      agent: 'a',
      input: 'Use {{ research.output }} on {{ inputs.topic }}',
      if: "summarize.status = 'succeeded'",
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

describe('every evaluation runs under a budget', () => {
  const bombs: [string, string, RegExp][] = [
    [
      'an endless tail recursion',
      '{{ ( $f := function($x){ $f($x) }; $f(1) ) }}',
      /expression budget exceeded: more than 10000 evaluation steps/,
    ],
    [
      'a recursion that grows the stack',
      '{{ ( $f := function($x){ 1 + $f($x) }; $f(1) ) }}',
      /expression budget exceeded: evaluation nested more than 400 levels/,
    ],
    [
      'a padding of 10⁸ characters',
      '{{ $pad("", 100000000, "x") }}',
      /expression budget exceeded: \$pad would be 100000000 characters/,
    ],
    [
      'a string doubled until it is huge',
      '{{ ( $s := "xxxxxxxxxxxxxxxx"; $d := function($t, $n){ $n = 0 ? $t : $d($t & $t, $n - 1) }; $d($s, 40) ) }}',
      /expression budget exceeded: (a string of \d+ characters|more than 10000 evaluation steps)/,
    ],
    [
      'one list referenced a billion times',
      '{{ ( $a := [1..1000]; $b := $map([1..1000], function(){ $a }); $c := $map([1..1000], function(){ $b }); $count($c) ) }}',
      /expression budget exceeded: (a value of more than|more than 10000 evaluation steps)/,
    ],
    [
      'a range of ten million',
      '{{ $count([1..10000000]) }}',
      /expression budget exceeded: a list of more than 100000 items/,
    ],
    [
      '$string of a huge value',
      '{{ ( $a := [1..1000]; $b := $map([1..200], function(){ $a }); $string($b) ) }}',
      /expression budget exceeded: \$string would be/,
    ],
    ['$eval of data', '{{ $eval(inputs.topic) }}', /\$eval is not available/],
  ];
  it.each(bombs)('%s fails with a budget error naming the limit', async (_name, template, message) => {
    await expect(render(template, context, 'steps[0].input')).rejects.toThrow(message);
  });

  it('the budget is shared by all the expressions of one render', async () => {
    const heavy = '{{ $sum($map([1..1000], function($v){ $v * 2 })) }}';
    expect(await render(heavy, context, 'x')).toBe(1001000);
    await expect(render(Array(20).fill(heavy).join(' '), context, 'x')).rejects.toThrow(
      /more than 10000 evaluation steps/,
    );
  });

  it('a render is bounded in the size of what it returns', async () => {
    const big = { inputs: { text: 'x'.repeat(600_000) } };
    await expect(render('{{ inputs.text }} and {{ inputs.text }}', big, 'x')).rejects.toThrow(
      /a rendered value of more than 1048576 characters/,
    );
    await expect(render('{{ [inputs.text, inputs.text] }}', big, 'x')).rejects.toThrow(
      /a result of more than 1048576 characters/,
    );
  });

  it('regexes run on a linear-time engine, with JSONata semantics', async () => {
    const evil = { inputs: { s: `${'a'.repeat(5_000)}b` } };
    expect(await render('{{ $contains(inputs.s, /(a+)+$/) }}', evil, 'x')).toBe(false);
    expect(await render('{{ $match("a1b22c333", /[0-9]+/).match }}', context, 'x')).toEqual(['1', '22', '333']);
    expect(await render('{{ $match("Ab-aB", /(a)(b)/i).groups }}', context, 'x')).toEqual(['A', 'b', 'a', 'B']);
    expect(await render('{{ $replace("😀x😀x", /x/, "-") }}', context, 'x')).toBe('😀-😀-');
    expect(await render('{{ $split("a, b,c", /,\\s*/) }}', context, 'x')).toEqual(['a', 'b', 'c']);
    expect(await render('{{ "line1\\nline2" ~> $match(/^l\\w+$/m) ~> $count }}', context, 'x')).toBe(2);
  });

  it('refuses at registration a regex RE2 cannot run, and $eval', () => {
    const { problems } = scanTemplates(
      { a: '{{ $match(inputs.topic, /(a)\\1/) }}', b: '{{ $eval("1") }}' },
      'steps[0].input',
    );
    expect(problems.map((p) => p.path)).toEqual(['steps[0].input.a', 'steps[0].input.b']);
    expect(problems[0]!.message).toMatch(/regex \/\(a\)\\1\/ is not supported/);
    expect(problems[1]!.message).toMatch(/\$eval is not available/);
  });
});

describe('templates are parsed in linear time, once', () => {
  it('finds the end of expressions that contain braces, strings and comments', () => {
    const parsed = parseTemplate('a {{ {"k": {"n": 1}} }} b {{ "}}" & x /* }} */ }} c {{ function($v){ $v }(1) }}');
    expect(parsed).toEqual({
      segments: [
        { kind: 'text', value: 'a ' },
        { kind: 'expr', source: '{"k": {"n": 1}}', offset: 2 },
        { kind: 'text', value: ' b ' },
        { kind: 'expr', source: '"}}" & x /* }} */', offset: 26 },
        { kind: 'text', value: ' c ' },
        { kind: 'expr', source: 'function($v){ $v }(1)', offset: 52 },
      ],
    });
  });

  it('reports the first invalid expression of a long template', () => {
    const template = `${'{{ a }} '.repeat(900)}{{ b + }}${' {{ {} }}'.repeat(90)}`;
    const parsed = parseTemplate(template);
    expect(parsed).toMatchObject({ error: { offset: 7_200 } });
    expect('error' in parsed && parsed.error.message).toMatch(/^invalid expression: /);
    expect(parseTemplate('{{ }}')).toEqual({ error: { message: 'empty expression {{ }}', offset: 0 } });
  });

  it('returns the parse of a template seen before', () => {
    const template = `{{ inputs.topic }} ${Math.random()}`;
    expect(parseTemplate(template)).toBe(parseTemplate(template));
  });
});

describe('work is charged, not only nodes (a hostile review of the budget)', () => {
  const S = '$s := $pad("", 1000000, "x");';
  it.each([
    ['large strings produced again and again', `{{ (${S} $count([1..300].$uppercase($s))) }}`, /evaluation steps/],
    [
      '$zip of many references to a long list',
      `{{ ($a := [1..5000]; $count($zip(${Array(200).fill('$a').join(',')}))) }}`,
      /\$zip would be 1000000 items/,
    ],
    [
      'a transform that grows objects after they were weighed',
      `{{ ($s := $pad("", 300000, "x"); $x := [1..5].{"i": $}; $x ~> |$|{"big": $s}|) }}`,
      /a result of more than 1048576 characters/,
    ],
    [
      'a $fromMillis width of a million',
      '{{ $fromMillis(0, "[Y,1000000]") }}',
      /a width in the picture of \$fromMillis/,
    ],
    [
      'a long $formatNumber picture',
      '{{ $formatNumber(1, $pad("", 6000, "#,") & "0") }}',
      /the picture of \$formatNumber would be/,
    ],
    [
      '$toMillis with many text components',
      `{{ $toMillis("${'a'.repeat(80)}1", "[Ya][Ma][Da][Ha][ma][sa]") }}`,
      /\$toMillis/,
    ],
    ['a million regex matches', '{{ $replace($pad("", 200000, "x"), /x/, "y") }}', /more than 10000 matches/],
    ['a regex of 30,000 instructions', '{{ $contains("a", /[a-z]{200}[0-9]{200}/) }}', /at most 300/],
    ['$length of a long string, again and again', `{{ (${S} $count([1..20].$length($s))) }}`, /evaluation steps/],
    [
      '$distinct of many lists',
      '{{ ($a := [1..99]; $distinct([1..300].[$append($a, $)])) }}',
      /\$distinct of these values/,
    ],
  ])('%s is refused', async (_name, template, message) => {
    await expect(render(template, context, 'x')).rejects.toThrow(message);
  });

  it('every template of a value counts towards one output limit', async () => {
    const many = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`k${i}`, '{{ $pad("", 300000, "x") }}']));
    await expect(render(many, context, 'x')).rejects.toThrow(/a rendered value of more than 1048576 characters/);
  });

  it('$sort sorts numbers and strings natively, in JSONata order, and still refuses mixed lists', async () => {
    expect(await render('{{ $sort([3, 1, 2, 10]) }}', context, 'x')).toEqual([1, 2, 3, 10]);
    expect(await render('{{ $sort(["b", "B", "a"]) }}', context, 'x')).toEqual(['B', 'a', 'b']);
    expect(await render('{{ $sort($reverse([1..3000]))[[0, 2999]] }}', context, 'x')).toEqual([1, 3000]);
    expect(await render('{{ $sort([3, 1, 2], function($l, $r){ $l < $r }) }}', context, 'x')).toEqual([3, 2, 1]);
    await expect(render('{{ $sort([1, "a"]) }}', context, 'x')).rejects.toThrow(
      /D3070|array of strings or an array of numbers/,
    );
  });

  it('a template of more than 1,000 expressions is refused', () => {
    expect(parseTemplate('{{ "}}" }} '.repeat(1_500))).toMatchObject({
      error: { message: 'more than 1000 expressions in one template' },
    });
  });
});
