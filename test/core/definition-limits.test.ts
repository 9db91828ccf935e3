import { describe, expect, it } from 'vitest';
import { parseDefinitionText } from '../../src/core/definition';

const laughs = (levels: number) =>
  [
    'name: bomb',
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ...Array.from({ length: levels }, (_, i) => {
      const [me, prev] = [String.fromCharCode(98 + i), String.fromCharCode(97 + i)];
      return `${me}: &${me} [${Array(9).fill(`*${prev}`).join(',')}]`;
    }),
    'steps: [ { id: a, agent: research } ]',
  ].join('\n');

describe('hostile YAML definitions are refused with their line, never thrown', () => {
  it.each([
    ['billion laughs', laughs(8), 'line 5, column 8', /alias \*c: too many aliased nodes/],
    [
      'an alias inside its own anchor (list)',
      'name: x\nsteps: &s\n  - *s\n',
      'line 3, column 5',
      /alias \*s is inside the node it names/,
    ],
    [
      'an alias inside its own anchor (map)',
      'name: x\nvars: &v\n  me: *v\nsteps: [ { id: a, agent: research } ]',
      'line 3, column 7',
      /alias \*v is inside/,
    ],
    [
      'an alias without an anchor',
      'name: x\nvars: { a: *nope }\nsteps: [ { id: a, agent: research } ]',
      'line 2, column 12',
      /alias \*nope has no anchor &nope before it/,
    ],
    [
      'flow nesting bomb',
      `name: x\nvars: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`,
      'line 2',
      /nested deeper than 64 levels/,
    ],
    [
      'JSON nesting bomb',
      `{"name": "x",\n "vars": ${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`,
      'line 2',
      /nested deeper than 64 levels/,
    ],
    ['compact list bomb', `name: x\nvars:\n  ${'- '.repeat(50_000)}x\n`, 'line 3', /nested deeper than 64 levels/],
    [
      'a duplicate key',
      'name: x\nsteps: [ { id: a, agent: research } ]\nname: y\n',
      'line 3, column 1',
      /duplicate key 'name'/,
    ],
    [
      'more than 1000 aliases',
      `name: x\nvars:\n  a: &a 1\n${Array.from({ length: 1001 }, (_, i) => `  k${i}: *a\n`).join('')}`,
      'line 1004, column 10',
      /more than 1000 aliases/,
    ],
    [
      'block nesting bomb',
      `name: x\n${Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')} 1\n`,
      /^line 66, column 65$/,
      /nested deeper than 64 levels/,
    ],
  ])('%s', (_label, yaml, path, message) => {
    const parsed = parseDefinitionText(yaml);
    expect(parsed).toHaveProperty('issues');
    const issue = (parsed as { issues: { path: string; message: string }[] }).issues[0]!;
    expect(issue.path).toMatch(path);
    expect(issue.message).toMatch(message);
  });

  it('a map of 50,000 keys, or 1000 anchors each aliased once, is read (not refused as a bomb)', () => {
    const wide = parseDefinitionText(
      `name: x\nvars:\n${Array.from({ length: 50_000 }, (_, i) => `  k${i}: 1\n`).join('')}`,
    );
    expect(wide).toHaveProperty('value');
    const pairs = parseDefinitionText(
      `name: x\nvars:\n${Array.from({ length: 1000 }, (_, i) => `  a${i}: &a${i} 1\n  b${i}: *a${i}\n`).join('')}`,
    );
    expect(pairs).toHaveProperty('value');
    expect(Object.keys((wide as { value: { vars: object } }).value.vars)).toHaveLength(50_000);
  });

  it('anchors and aliases used as intended still work', () => {
    const parsed = parseDefinitionText(
      'name: x\nvars: { retry: &r { max_attempts: 2 } }\nsteps:\n  - { id: a, agent: research, retry: *r }\n  - { id: b, agent: research, retry: *r }\n',
    );
    expect(parsed).toEqual({
      value: expect.objectContaining({
        steps: [
          expect.objectContaining({ retry: { max_attempts: 2 } }),
          expect.objectContaining({ retry: { max_attempts: 2 } }),
        ],
      }),
    });
  });

  it('64 levels of nesting are fine', () => {
    const parsed = parseDefinitionText(
      `name: x\nvars: ${'['.repeat(60)}${']'.repeat(60)}\nsteps: [ { id: a, agent: research } ]`,
    );
    expect(parsed).toHaveProperty('value');
  });
});
