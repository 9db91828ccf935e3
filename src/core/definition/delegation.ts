import { WorkflowDefinition } from '../../schemas/definition';

/**
 * The one-step workflow a delegation runs: an `agent` tool hands the model's `input` to another
 * registered agent as a child run, so the specialist's own loop is durable and visible like any
 * run (named `agent-<name>`, version 0: it is not in the catalogue).
 */
export function delegationDefinition(agent: string): WorkflowDefinition {
  return WorkflowDefinition.parse({
    name: `agent-${agent.replace(/_/g, '-')}`,
    description: `Delegation to the agent ${agent}`,
    inputs: { input: { type: 'string', required: false } },
    steps: [{ id: 'delegate', agent, input: '{{ inputs.input }}' }],
    output: '{{ delegate.output }}',
  });
}
