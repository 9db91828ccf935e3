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
    expect(result.graph.byId.get('summarize')!.deps).toEqual(['research']);
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
    ['cycle', 'name: x\nsteps: [ { id: a, agent: research, needs: [b] }, { id: b, agent: research, needs: [a] } ]', 'steps[0].needs'],
    ['bad JSONata', 'name: x\nsteps: [ { id: a, agent: research, input: "{{ inputs. }}" } ]', 'steps[0].input'],
    ['unclosed template', 'name: x\nsteps: [ { id: a, agent: research, input: "{{ inputs.x" } ]', 'steps[0].input'],
    ['reads a later step', 'name: x\nsteps: [ { id: a, agent: research, input: "{{ b.output }}" }, { id: b, agent: research } ]', 'steps[0].input'],
    ['reads an unknown name', 'name: x\nsteps: [ { id: a, agent: research, input: "{{ reserch.output }}" } ]', 'steps[0].input'],
    ['bad condition', 'name: x\nsteps: [ { id: a, agent: research, if: "inputs. =" } ]', 'steps[0].if'],
    ['unknown on_error target', 'name: x\nsteps: [ { id: a, agent: research, on_error: nope } ]', 'steps[0].on_error'],
    ['planned step kind', 'name: x\nsteps: [ { id: a, parallel: [] } ]', 'steps[0].parallel'],
    ['planned trigger kind', 'name: x\ntriggers: [ { schedule: { cron: "* * * * *" } } ]\nsteps: [ { id: a, agent: research } ]', 'triggers[0].schedule'],
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

  it('lets an error handler read the step whose error it handles', () => {
    expect(issuesOf(`name: x
steps:
  - { id: a, agent: research, on_error: recover }
  - { id: b, agent: research, input: "{{ a.output }}" }
  - { id: recover, agent: summarize, input: "{{ a.error.message }}" }
`)).toEqual([]);
  });
});
