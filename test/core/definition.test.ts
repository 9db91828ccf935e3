import { describe, expect, it } from 'vitest';
import { parseDefinitionText, validateDefinition } from '../../src/core/definition';

const agents = new Set(['research', 'summarize']);

function issuesOf(yaml: string) {
  const parsed = parseDefinitionText(yaml);
  if ('issues' in parsed) return parsed.issues;
  const result = validateDefinition(parsed.value, { agents });
  return result.ok ? [] : result.issues;
}

describe('definition validation', () => {
  it('accepts the contract example shape and applies defaults', () => {
    const parsed = parseDefinitionText(`
name: competitor-analysis
triggers: [ { email: { alias: competitor-intel, allow: ["*@example.com"] } } ]
inputs: { topic: { type: string } }
steps:
  - { id: research, agent: research, input: "For {{ inputs.topic }}", timeout: 30s, retry: { max_attempts: 3 } }
  - { id: summarize, agent: summarize, input: "{{ research.output }}" }
output: "{{ summarize.output }}"
`);
    const result = validateDefinition('value' in parsed ? parsed.value : null, { agents });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.definition.steps[0]!.retry).toEqual({
      max_attempts: 3,
      backoff: 'exponential',
      initial_interval: '1s',
      max_interval: '1m',
    });
    expect(result.plan.byId.get('summarize')!.deps).toEqual(['research']);
  });

  it.each([
    ['YAML syntax, with line', 'name: x\nsteps: [\n', 'line 3, column 1'],
    ['missing steps', 'name: x', 'steps'],
    ['bad name', 'name: Bad_Name\nsteps: [ { id: a, agent: research } ]', 'name'],
    ['unknown key', 'name: x\nsteps: [ { id: a, agent: research, inptu: hi } ]', 'steps[0].inptu'],
    ['bad duration', 'name: x\nsteps: [ { id: a, agent: research, timeout: soon } ]', 'steps[0].timeout'],
    ['duplicate ids', 'name: x\nsteps: [ { id: a, agent: research }, { id: a, agent: research } ]', 'steps[1].id'],
    ['unknown agent', 'name: x\nsteps: [ { id: a, agent: nobody } ]', 'steps[0].agent'],
    ['unknown need', 'name: x\nsteps: [ { id: a, agent: research, needs: [zz] } ]', 'steps[0].needs[0]'],
    ['no kind', 'name: x\nsteps: [ { id: a, input: hi } ]', 'steps[0]'],
    ['two kinds', 'name: x\nsteps: [ { id: a, agent: research, sleep: 1s } ]', 'steps[0]'],
    [
      'nested unknown key',
      'name: x\nsteps: [ { id: p, parallel: [ { id: a, agent: research }, { id: b, agent: research, colour: red } ] } ]',
      'steps[0].parallel[1].colour',
    ],
    [
      'nested unknown agent',
      'name: x\nsteps: [ { id: s, switch: "{{ inputs.k }}", cases: { x: [ { id: a, agent: ghost } ] } } ]',
      'steps[0].cases.x[0].agent',
    ],
    [
      'duplicate id across blocks',
      'name: x\nsteps: [ { id: a, agent: research }, { id: p, parallel: [ { id: a, agent: research } ] } ]',
      'steps[1].parallel[0].id',
    ],
    [
      'foreach inner step read outside',
      'name: x\nsteps: [ { id: f, foreach: "{{ inputs.l }}", do: [ { id: d, agent: research } ] }, { id: b, agent: research, input: "{{ d.output }}" } ]',
      'steps[1].input',
    ],
    ['item outside a foreach', 'name: x\nsteps: [ { id: a, agent: research, input: "{{ item }}" } ]', 'steps[0].input'],
    [
      'bad wait_for',
      'name: x\nsteps: [ { id: p, parallel: [ { id: a, agent: research } ], wait_for: some } ]',
      'steps[0].wait_for',
    ],
    ['bad sleep', 'name: x\nsteps: [ { id: z, sleep: forever } ]', 'steps[0].sleep'],
    [
      'compensate with a block',
      'name: x\nsteps: [ { id: a, agent: research, compensate: { parallel: [] } } ]',
      'steps[0].compensate',
    ],
    [
      'cycle',
      'name: x\nsteps: [ { id: a, agent: research, needs: [b] }, { id: b, agent: research, needs: [a] } ]',
      'steps[0].needs',
    ],
    ['bad JSONata', 'name: x\nsteps: [ { id: a, agent: research, input: "{{ inputs. }}" } ]', 'steps[0].input'],
    ['unclosed template', 'name: x\nsteps: [ { id: a, agent: research, input: "{{ inputs.x" } ]', 'steps[0].input'],
    [
      'reads a later step',
      'name: x\nsteps: [ { id: a, agent: research, input: "{{ b.output }}" }, { id: b, agent: research } ]',
      'steps[0].input',
    ],
    [
      'reads an unknown name',
      'name: x\nsteps: [ { id: a, agent: research, input: "{{ reserch.output }}" } ]',
      'steps[0].input',
    ],
    ['bad condition', 'name: x\nsteps: [ { id: a, agent: research, if: "inputs. =" } ]', 'steps[0].if'],
    ['unknown on_error target', 'name: x\nsteps: [ { id: a, agent: research, on_error: nope } ]', 'steps[0].on_error'],
    [
      'approval without a message',
      'name: x\nsteps: [ { id: a, approval: { assignees: [a@b.c] } } ]',
      'steps[0].approval.message',
    ],
    [
      'unsigned webhook',
      'name: x\ntriggers: [ { webhook: { signature: none } } ]\nsteps: [ { id: a, agent: research } ]',
      'triggers[0].webhook.signature',
    ],
    [
      'two webhooks',
      'name: x\ntriggers: [ { webhook: { signature: github, secret: S } }, { webhook: { signature: github, secret: S } } ]\nsteps: [ { id: a, agent: research } ]',
      'triggers[1]',
    ],
    [
      'bad alias',
      'name: x\ntriggers: [ { email: { alias: "Not An Alias" } } ]\nsteps: [ { id: a, agent: research } ]',
      'triggers[0].email.alias',
    ],
  ])('%s → an issue at %s', (_label, yaml, path) => {
    const issues = issuesOf(yaml);
    expect(issues.map((i) => i.path)).toContain(path);
    expect(issues.every((i) => i.message.length > 0)).toBe(true);
  });

  it('explains why a template cannot read a step', () => {
    expect(
      issuesOf(
        'name: x\nsteps: [ { id: a, agent: research, input: "{{ b.output }}" }, { id: b, agent: research } ]',
      )[0]!.message,
    ).toBe("reads step 'b', which does not run before this one (add it to needs)");
  });

  it("lets later steps read a block's inner steps, and foreach steps read item, index and their iteration", () => {
    expect(
      issuesOf(`name: x
inputs: { l: { type: array } }
steps:
  - id: p
    parallel: [ { id: web, agent: research }, { id: docs, agent: research } ]
  - id: f
    foreach: "{{ inputs.l }}"
    do:
      - { id: d1, agent: research, input: "{{ item }} {{ index }} {{ web.output }}" }
      - { id: d2, agent: summarize, input: "{{ d1.output }}" }
  - { id: w, wait_for_event: { type: paid, match: "{{ event.id = inputs.l[0] }}" } }
  - { id: out, agent: summarize, input: "{{ docs.output }} {{ f.output }} {{ w.output }}", compensate: { agent: research, input: "undo {{ out.output }}" } }
`),
    ).toEqual([]);
  });

  it('lets an error handler read the step whose error it handles', () => {
    expect(
      issuesOf(`name: x
steps:
  - { id: a, agent: research, on_error: recover }
  - { id: b, agent: research, input: "{{ a.output }}" }
  - { id: recover, agent: summarize, input: "{{ a.error.message }}" }
`),
    ).toEqual([]);
  });
});

describe('definitions that can never work are refused at registration (issue 14, item 7)', () => {
  const step = 'steps: [ { id: a, agent: research } ]';
  const hook = (fields: string) =>
    `name: x\ntriggers: [ { webhook: { signature: github, secret: GH_HOOK_SECRET, ${fields} } } ]\n${step}`;
  it.each([
    [
      'a webhook secret naming ADMIN_TOKEN',
      `name: x\ntriggers: [ { webhook: { signature: github, secret: ADMIN_TOKEN } } ]\n${step}`,
      'triggers[0].webhook.secret',
      /^ADMIN_TOKEN is one of Baton's own credentials/,
    ],
    [
      'a webhook secret naming SECRETS_KEY',
      `name: x\ntriggers: [ { webhook: { signature: hmac-sha256, secret: SECRETS_KEY } } ]\n${step}`,
      'triggers[0].webhook.secret',
      /^SECRETS_KEY is one of Baton's own credentials/,
    ],
    [
      'a webhook secret naming LINK_SIGNING_KEY',
      `name: x\ntriggers: [ { webhook: { signature: stripe, secret: LINK_SIGNING_KEY } } ]\n${step}`,
      'triggers[0].webhook.secret',
      /^LINK_SIGNING_KEY is one of Baton's own credentials/,
    ],
    [
      'a webhook filter with a syntax error',
      hook('filter: "body.action = "'),
      'triggers[0].webhook.filter',
      /^invalid condition: /,
    ],
    [
      'a webhook filter in braces with a syntax error',
      hook('filter: "{{ body.( }}"'),
      'triggers[0].webhook.filter',
      /^invalid condition: /,
    ],
    [
      'a webhook input template with a syntax error',
      hook('input: { repo: "{{ body.repository. }}" }'),
      'triggers[0].webhook.input.repo',
      /./,
    ],
    ['a webhook tolerance of 0s', hook('tolerance: 0s'), 'triggers[0].webhook.tolerance', /longer than 0/],
    [
      'wait_for: 3 with two children',
      'name: x\nsteps: [ { id: p, parallel: [ { id: a, agent: research }, { id: b, agent: research } ], wait_for: 3 } ]',
      'steps[0].wait_for',
      /^wait_for: 3 can never be met by 2 children$/,
    ],
    [
      'wait_for: 2 with one nested child',
      'name: x\nsteps: [ { id: s, switch: "{{ inputs.k }}", cases: { x: [ { id: p, parallel: [ { id: a, agent: research } ], wait_for: 2 } ] } } ]',
      'steps[0].cases.x[0].wait_for',
      /^wait_for: 2 can never be met by 1 child$/,
    ],
    [
      'a step timeout of 0s',
      'name: x\nsteps: [ { id: a, agent: research, timeout: 0s } ]',
      'steps[0].timeout',
      /longer than 0/,
    ],
    [
      'a block timeout of 000m',
      'name: x\nsteps: [ { id: p, parallel: [ { id: a, agent: research } ], timeout: 000m } ]',
      'steps[0].timeout',
      /longer than 0/,
    ],
    ['a run timeout of 0h', `name: x\ntimeout: 0h\n${step}`, 'timeout', /longer than 0/],
    [
      'a compensation timeout of 0ms',
      'name: x\nsteps: [ { id: a, agent: research, compensate: { agent: research, timeout: 0ms } } ]',
      'steps[0].compensate.timeout',
      /longer than 0/,
    ],
    [
      'a wait_for_event timeout of 0s',
      'name: x\nsteps: [ { id: w, wait_for_event: { type: paid, timeout: 0s } } ]',
      'steps[0].wait_for_event.timeout',
      /longer than 0/,
    ],
    [
      'an approval deadline of 0m',
      'name: x\nsteps: [ { id: r, approval: { assignees: [lead@example.com], message: "ok?", deadline: 0m } } ]',
      'steps[0].approval.deadline',
      /longer than 0/,
    ],
    [
      'an escalation after 0s',
      'name: x\nsteps: [ { id: r, approval: { assignees: [lead@example.com], message: "ok?", escalate: { after: 0s, to: [boss@example.com] } } } ]',
      'steps[0].approval.escalate.after',
      /longer than 0/,
    ],
    [
      'a number input with a text default',
      `name: x\ninputs: { n: { type: number, default: five } }\n${step}`,
      'inputs.n.default',
      /^the default is string, not the declared type number$/,
    ],
    [
      'a string input (the default type) with a number default',
      `name: x\ninputs: { s: { default: 3 } }\n${step}`,
      'inputs.s.default',
      /^the default is number, not the declared type string$/,
    ],
    [
      'an array input with an object default',
      `name: x\ninputs: { l: { type: array, default: { a: 1 } } }\n${step}`,
      'inputs.l.default',
      /^the default is object, not the declared type array$/,
    ],
    [
      'an object input with a list default',
      `name: x\ninputs: { o: { type: object, default: [1] } }\n${step}`,
      'inputs.o.default',
      /^the default is array, not the declared type object$/,
    ],
    [
      'a boolean input with a text default',
      `name: x\ninputs: { b: { type: boolean, default: "yes" } }\n${step}`,
      'inputs.b.default',
      /^the default is string, not the declared type boolean$/,
    ],
  ])('%s → refused with its path', (_label, yaml, path, message) => {
    const issues = issuesOf(yaml);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe(path);
    expect(issues[0]!.message).toMatch(message);
  });

  it('accepts their working neighbours: wait_for equal to the children, sleep: 0s, 0s retry intervals, defaults of the type or null, a valid filter', () => {
    expect(
      issuesOf(`name: x
triggers: [ { webhook: { signature: github, secret: GH_HOOK_SECRET, tolerance: 1s, filter: "body.action = 'opened'", input: { n: "{{ body.number }}" } } } ]
inputs: { n: { type: number, default: 0 }, s: { default: "" }, l: { type: array, default: [] }, o: { type: object, default: {} }, b: { type: boolean, default: false }, z: { type: number, default: null } }
timeout: 1h
steps:
  - { id: p, parallel: [ { id: a, agent: research }, { id: b, agent: research } ], wait_for: 2, timeout: 10ms }
  - { id: nap, sleep: 0s }
  - { id: c, agent: research, retry: { max_attempts: 2, initial_interval: 0s, max_interval: 0s } }
`),
    ).toEqual([]);
  });
});
