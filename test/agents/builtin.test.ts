import { describe, expect, it } from 'vitest';
import { BUILTIN_TOOLS } from '../../src/agents/builtin/tools';
import {
  capitaliseSentences,
  dropRepeatedWords,
  entities,
  extractiveSummary,
  sentences,
} from '../../src/agents/builtin/text';

const request =
  'CRM competitors\n\nPlease compare Salesforce, HubSpot and Pipedrive for a 20-person sales team.\nPricing and onboarding time matter most.';

describe('builtin text tools', () => {
  it('chain research → summarize → draft → proofread into a report on the named companies', () => {
    const research = BUILTIN_TOOLS.research!(request);
    expect(research).toContain('The request concerns Salesforce, HubSpot and Pipedrive');
    const summary = BUILTIN_TOOLS.summarize!(research);
    expect(summary).toContain('Please compare Salesforce, HubSpot and Pipedrive');
    const report = BUILTIN_TOOLS.proofread!(BUILTIN_TOOLS.draft!(summary));
    expect(report).toMatch(/^# Report: Salesforce, HubSpot and Pipedrive\n/);
    expect(report).toContain('## Key points\n- ');
  });

  it('find names, one per entity, most mentioned first', () => {
    expect(entities('Acme Corp beat Globex. Acme Corp then bought Initech.').slice(0, 3)).toEqual([
      'Acme Corp',
      'Globex',
      'Initech',
    ]);
  });

  it('split lines and sentences, dropping headings and list markers', () => {
    expect(sentences('# Title\n- First point\nOne. Two!')).toEqual(['First point', 'One.', 'Two!']);
  });

  it('pick the most representative sentences in their original order', () => {
    const text = 'Pricing drives the CRM market. Weather was nice today. CRM pricing varies by seat. Lunch is at noon.';
    expect(extractiveSummary(text, 2)).toEqual(['Pricing drives the CRM market.', 'CRM pricing varies by seat.']);
  });

  it('proofread repeated words, spacing and capitals without touching Markdown markers', () => {
    expect(dropRepeatedWords('the the market is is big')).toEqual({ text: 'the market is big', removed: 2 });
    expect(capitaliseSentences('costs fell. Prices rose.')).toBe('Costs fell. Prices rose.');
    expect(BUILTIN_TOOLS.proofread!('## the  the plan\n- prices rise , fast')).toBe('## The plan\n- Prices rise, fast');
  });

  it('echo answers its input as text', () => {
    expect(BUILTIN_TOOLS.echo!({ a: 1 })).toBe('{"a":1}');
  });
});
