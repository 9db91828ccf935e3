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
