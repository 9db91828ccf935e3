import { anthropicModel } from './model/anthropic';
import { singleCall } from './model/single-call';
import type { Provider } from './types';

/**
 * `provider: anthropic` for a step without tools: one Messages API call (see `anthropicModel`)
 * with the system prompt and the step input as the user message; the output is the reply's text.
 * API: https://docs.anthropic.com/en/api/messages
 */
export const anthropicProvider: Provider = singleCall(anthropicModel);
