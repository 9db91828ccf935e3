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
    expect(result.definition.steps[0]!.retry).toEqual({ max_attempts: 3, backoff: 'exponential', initial_interval: '1s', max_interval: '1m' });
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
    ['nested unknown key', 'name: x\nsteps: [ { id: p, parallel: [ { id: a, agent: research }, { id: b, agent: research, colour: red } ] } ]', 'steps[0].parallel[1].colour'],
    ['nested unknown agent', 'name: x\nsteps: [ { id: s, switch: "{{ inputs.k }}", cases: { x: [ { id: a, agent: ghost } ] } } ]', 'steps[0].cases.x[0].agent'],
    ['duplicate id across blocks', 'name: x\nsteps: [ { id: a, agent: research }, { id: p, parallel: [ { id: a, agent: research } ] } ]', 'steps[1].parallel[0].id'],
    ['foreach inner step read outside', 'name: x\nsteps: [ { id: f, foreach: "{{ inputs.l }}", do: [ { id: d, agent: research } ] }, { id: b, agent: research, input: "{{ d.output }}" } ]', 'steps[1].input'],
    ['item outside a foreach', 'name: x\nsteps: [ { id: a, agent: research, input: "{{ item }}" } ]', 'steps[0].input'],
    ['bad wait_for', 'name: x\nsteps: [ { id: p, parallel: [ { id: a, agent: research } ], wait_for: some } ]', 'steps[0].wait_for'],
    ['bad sleep', 'name: x\nsteps: [ { id: z, sleep: forever } ]', 'steps[0].sleep'],
    ['compensate with a block', 'name: x\nsteps: [ { id: a, agent: research, compensate: { parallel: [] } } ]', 'steps[0].compensate'],
    ['cycle', 'name: x\nsteps: [ { id: a, agent: research, needs: [b] }, { id: b, agent: research, needs: [a] } ]', 'steps[0].needs'],
    ['bad JSONata', 'name: x\nsteps: [ { id: a, agent: research, input: "{{ inputs. }}" } ]', 'steps[0].input'],
    ['unclosed template', 'name: x\nsteps: [ { id: a, agent: research, input: "{{ inputs.x" } ]', 'steps[0].input'],
    ['reads a later step', 'name: x\nsteps: [ { id: a, agent: research, input: "{{ b.output }}" }, { id: b, agent: research } ]', 'steps[0].input'],
    ['reads an unknown name', 'name: x\nsteps: [ { id: a, agent: research, input: "{{ reserch.output }}" } ]', 'steps[0].input'],
    ['bad condition', 'name: x\nsteps: [ { id: a, agent: research, if: "inputs. =" } ]', 'steps[0].if'],
    ['unknown on_error target', 'name: x\nsteps: [ { id: a, agent: research, on_error: nope } ]', 'steps[0].on_error'],
    ['approval without a message', 'name: x\nsteps: [ { id: a, approval: { assignees: [a@b.c] } } ]', 'steps[0].approval.message'],
    ['unsigned webhook', 'name: x\ntriggers: [ { webhook: { signature: none } } ]\nsteps: [ { id: a, agent: research } ]', 'triggers[0].webhook.signature'],
    ['two webhooks', 'name: x\ntriggers: [ { webhook: { signature: github, secret: S } }, { webhook: { signature: github, secret: S } } ]\nsteps: [ { id: a, agent: research } ]', 'triggers[1]'],
    ['bad alias', 'name: x\ntriggers: [ { email: { alias: "Not An Alias" } } ]\nsteps: [ { id: a, agent: research } ]', 'triggers[0].email.alias'],
  ])('%s → an issue at %s', (_label, yaml, path) => {
    const issues = issuesOf(yaml);
    expect(issues.map((i) => i.path)).toContain(path);
    expect(issues.every((i) => i.message.length > 0)).toBe(true);
  });

  it('explains why a template cannot read a step', () => {
    expect(issuesOf('name: x\nsteps: [ { id: a, agent: research, input: "{{ b.output }}" }, { id: b, agent: research } ]')[0]!.message)
      .toBe("reads step 'b', which does not run before this one (add it to needs)");
  });

  it('lets later steps read a block\'s inner steps, and foreach steps read item, index and their iteration', () => {
    expect(issuesOf(`name: x
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
`)).toEqual([]);
  });

  it('lets an error handler read the step whose error it handles', () => {
    expect(issuesOf(`name: x
steps:
  - { id: a, agent: research, on_error: recover }
  - { id: b, agent: research, input: "{{ a.output }}" }
  - { id: recover, agent: summarize, input: "{{ a.error.message }}" }
`)).toEqual([]);
  });
});
