import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDefinitionText, validateDefinition } from '../../src/core/definition';
import { checkAnswer } from '../../src/lib/structured-output';
import { AgentBody } from '../../src/schemas/agent';

/** The examples of the README's "Agents" section are what Baton accepts and answers (issue 16, README item). */

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('\n## Agents\n'), readme.indexOf('\n## Email\n'));
const blocks = (lang: string) =>
  [...section.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\\n\`\`\``, 'g'))].map((m) => m[1]!);

describe('README "Agents" examples', () => {
  it('the section exists and has its examples', () => {
    expect(section.length).toBeGreaterThan(1000);
    expect(blocks('yaml')).toHaveLength(1);
    expect(blocks('json')).toHaveLength(2);
  });

  it('the workflow YAML registers', () => {
    const parsed = parseDefinitionText(blocks('yaml')[0]!);
    if ('issues' in parsed) expect(parsed.issues).toEqual([]);
    const validated = validateDefinition('value' in parsed ? parsed.value : null, { agents: new Set(['analyst']) });
    expect(validated.ok ? [] : validated.issues).toEqual([]);
  });

  it('the agent body of the curl example is a valid PUT /api/agents body', () => {
    const body = /<<'JSON'\n([\s\S]*?)\nJSON$/.exec(blocks('sh')[0]!)?.[1];
    const parsed = AgentBody.safeParse(JSON.parse(body!));
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });

  it('the invalid_output example is what the validator answers, and the transcript is JSON', () => {
    const [error, transcript] = blocks('json').map((b) => JSON.parse(b));
    const schema = { type: 'object', properties: { category: { type: 'string' } }, required: ['category'] };
    const checked = checkAnswer('{"category": 7}', schema);
    expect(checked.ok ? [] : checked.issues).toEqual(error.details.issues);
    expect(transcript.steps[0].turns[0].toolCalls[0]).toMatchObject({ kind: 'mcp', status: 'succeeded' });
  });
});
