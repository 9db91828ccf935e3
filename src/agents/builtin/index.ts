import { BuiltinAgentConfig } from '../../schemas/agent';
import { configOf, type Provider } from '../types';
import { BUILTIN_TOOLS } from './tools';

/** `provider: builtin`: runs one of Baton's offline text tools (`config.tool`). */
export const builtinProvider: Provider = async (agent, req) => {
  const { tool } = configOf(agent, BuiltinAgentConfig);
  const run = BUILTIN_TOOLS[tool]!;
  try {
    return { ok: true, output: run(req.input) };
  } catch (err) {
    return {
      ok: false,
      error: { code: 'agent_error', message: `builtin ${tool} failed: ${(err as Error).message}`, retryable: false },
    };
  }
};
