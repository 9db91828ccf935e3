import { toText } from '../../core/expressions';
import type { Provider } from '../types';
import type { ModelProvider } from './types';

/**
 * A model provider as a single-call agent `Provider` (a step without tools): one user message,
 * the step input as text (`toText`); the output is the reply's text. Tool calls the model asks
 * for anyway are ignored (none were offered).
 */
export function singleCall(model: ModelProvider): Provider {
  return async (agent, request, host) => {
    const result = await model(
      agent,
      {
        messages: [{ role: 'user', text: toText(request.input) }],
        tools: [],
        idempotencyKey: request.idempotencyKey,
        signal: request.signal,
      },
      host,
    );
    if (!result.ok) return result;
    const { text, usage } = result.reply;
    return usage ? { ok: true, output: text, usage } : { ok: true, output: text };
  };
}
