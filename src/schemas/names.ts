import { z } from 'zod';

/** Names of workflows and agents, as the API and the workflow format spell them. */

export const WorkflowName = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'expected lower-case letters, digits and single dashes')
  .max(64);

export const AgentName = z
  .string()
  .regex(/^[a-z0-9]+([-_][a-z0-9]+)*$/, 'expected lower-case letters, digits, - and _')
  .max(64);

/** A reference to an agent in a definition: its name (the version current when the run starts) or `name@N` (version N). */
export const AgentRef = z
  .string()
  .regex(
    /^[a-z0-9]+([-_][a-z0-9]+)*(@[1-9][0-9]{0,8})?$/,
    'expected an agent name (lower-case letters, digits, - and _), optionally pinned to a version as name@2',
  )
  .max(74);

/**
 * Splits an agent reference into its name and pinned version.
 * @returns `{ name, version }`; `version` is undefined for a bare name.
 */
export function parseAgentRef(ref: string): { name: string; version?: number } {
  const at = ref.indexOf('@');
  return at < 0 ? { name: ref } : { name: ref.slice(0, at), version: Number(ref.slice(at + 1)) };
}
