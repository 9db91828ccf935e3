import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDefinitionText, validateDefinition } from '../../src/core/definition';
import { checkAnswer } from '../../src/lib/structured-output';
import { AgentBody } from '../../src/schemas/agent';

/** The examples of the README's "Agents" section (registry, selection, budgets, loops, planner) are what Baton accepts and answers. */

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('\n## Agents\n'), readme.indexOf('\n## Email\n'));
const blocks = (lang: string) =>
  [...section.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\\n\`\`\``, 'g'))].map((m) => m[1]!);
const jsonBlocks = () => blocks('json').map((b) => JSON.parse(b) as Record<string, unknown>);

describe('README "Agents" examples', () => {
  it('the section exists and has its examples', () => {
    expect(section.length).toBeGreaterThan(1000);
    expect(blocks('yaml').length).toBeGreaterThanOrEqual(3);
    expect(jsonBlocks().filter((b) => 'provider' in b && 'config' in b).length).toBeGreaterThanOrEqual(1);
  });

  it('every workflow YAML registers', () => {
    const agents = new Set(['analyst', 'research', 'draft']);
    for (const yaml of blocks('yaml')) {
      const parsed = parseDefinitionText(yaml);
      if ('issues' in parsed) expect(parsed.issues).toEqual([]);
      const validated = validateDefinition('value' in parsed ? parsed.value : null, { agents });
      expect(validated.ok ? [] : validated.issues, yaml.split('\n')[0]).toEqual([]);
    }
  });

  it('every agent record in the section is a valid PUT /api/agents body', () => {
    const bodies = [
      /<<'JSON'\n([\s\S]*?)\nJSON$/m.exec(blocks('sh')[0]!)?.[1],
      ...blocks('json').filter((b) => {
        const parsed = JSON.parse(b) as Record<string, unknown>;
        return 'provider' in parsed && 'config' in parsed;
      }),
    ];
    for (const body of bodies) {
      const parsed = AgentBody.safeParse(JSON.parse(body!));
      expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    }
  });

  it('the invalid_output example is what the validator answers, and the transcript is JSON', () => {
    const all = jsonBlocks();
    const error = all.find((b) => b.code === 'invalid_output') as { details: { issues: unknown } };
    const transcript = all.find((b) => 'steps' in b) as { steps: { turns: { toolCalls: unknown[] }[] }[] };
    const schema = { type: 'object', properties: { category: { type: 'string' } }, required: ['category'] };
    const checked = checkAnswer('{"category": 7}', schema);
    expect(checked.ok ? [] : checked.issues).toEqual(error.details.issues);
    expect(transcript.steps[0]!.turns[0]!.toolCalls[0]).toMatchObject({ kind: 'mcp', status: 'succeeded' });
  });
});
