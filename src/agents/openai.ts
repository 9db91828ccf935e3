import { openAiModel } from './model/openai';
import { singleCall } from './model/single-call';
import type { Provider } from './types';

/**
 * `provider: openai` for a step without tools: one Chat Completions call (see `openAiModel`) with
 * the system prompt and the step input as the user message; the output is
 * `choices[0].message.content`. API: https://platform.openai.com/docs/api-reference/chat/create
 */
export const openAiProvider: Provider = singleCall(openAiModel);
