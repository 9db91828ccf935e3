import { describe, expect, it } from 'vitest';
import { registerWorkflow } from '../../src/app/register-workflow';
import { BatonError } from '../../src/core/errors';
import { memoryHost } from './memory-ports';

const VALID = `name: triage
triggers: [ { email: { alias: help } } ]
steps: [ { id: sort, agent: sorter } ]`;

/** The issues of the `invalid_definition` error a registration throws. */
async function issuesOf(promise: Promise<unknown>) {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BatonError);
  expect((err as BatonError).code).toBe('invalid_definition');
  return ((err as BatonError).details as { issues: { path: string; message: string }[] }).issues;
}

describe('registerWorkflow (use case on in-memory ports)', () => {
  it('stores a valid definition as version 1; the same text again stores nothing; a change is version 2', async () => {
    const h = memoryHost();
    h.agents.add('sorter');
    expect(await registerWorkflow(h.ports, 't1', VALID, 'yaml', { create: true })).toEqual({
      name: 'triage',
      version: 1,
      created: true,
      warnings: [],
    });
    expect(await registerWorkflow(h.ports, 't1', VALID, 'yaml', { name: 'triage' })).toEqual({
      name: 'triage',
      version: 1,
      created: false,
      warnings: [],
    });
    expect(
      await registerWorkflow(h.ports, 't1', `${VALID}\ndescription: sorts mail`, 'yaml', { name: 'triage' }),
    ).toEqual({ name: 'triage', version: 2, created: true, warnings: [] });
    expect(h.versions.map((v) => [v.version, v.sourceFormat, v.createdAt])).toEqual([
      [1, 'yaml', '2026-01-01T00:00:00.000Z'],
      [2, 'yaml', '2026-01-01T00:00:00.000Z'],
    ]);
    await expect(registerWorkflow(h.ports, 't1', VALID, 'yaml', { create: true })).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('an invalid definition is refused with issues located by path, and nothing is stored', async () => {
    const h = memoryHost();
    expect(await issuesOf(registerWorkflow(h.ports, 't1', VALID, 'yaml', { create: true }))).toEqual([
      expect.objectContaining({ path: 'steps[0].agent' }),
    ]);
    expect(
      await issuesOf(registerWorkflow(h.ports, 't1', 'name: x\nsteps: [ { id: a } ]', 'yaml', { create: true })),
    ).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.stringMatching(/^steps\[0\]/) })]));
    expect(await issuesOf(registerWorkflow(h.ports, 't1', 'name: [unclosed', 'yaml', { create: true }))).toHaveLength(
      1,
    );
    h.agents.add('sorter');
    expect(await issuesOf(registerWorkflow(h.ports, 't1', VALID, 'yaml', { name: 'other' }))).toEqual([
      { path: 'name', message: "'triage' differs from the name in the URL ('other')" },
    ]);
    h.emailRoutes.set('help', { workflowName: 'desk' });
    expect(await issuesOf(registerWorkflow(h.ports, 't1', VALID, 'yaml', { create: true }))).toEqual([
      { path: 'triggers[0].email.alias', message: "alias 'help' already routes to workflow desk" },
    ]);
    expect(h.versions).toHaveLength(0);
  });
});
