import type { Usage } from '../../core/engine/types';
import type { TokenPrices } from '../../schemas/agent';

/**
 * The cost of one model call in USD: `input × prices.input / 1e6 + output × prices.output / 1e6`
 * (prices are USD per million tokens, `pricePerMillionTokens` in the agent config). A missing token
 * count counts as 0.
 * @returns undefined without prices, or when the usage has neither token count.
 */
export function costOf(usage: Pick<Usage, 'inputTokens' | 'outputTokens'>, prices?: TokenPrices): number | undefined {
  if (!prices) return undefined;
  const { inputTokens, outputTokens } = usage;
  if (!isCount(inputTokens) && !isCount(outputTokens)) return undefined;
  const input = isCount(inputTokens) ? inputTokens : 0;
  const output = isCount(outputTokens) ? outputTokens : 0;
  return (input * prices.input) / 1e6 + (output * prices.output) / 1e6;
}

/** A provider's token counts (non-negative finite numbers, others dropped) with their cost when priced. */
export function usageOf(inputTokens: unknown, outputTokens: unknown, prices?: TokenPrices): Usage | undefined {
  const usage: Usage = {};
  if (isCount(inputTokens)) usage.inputTokens = inputTokens;
  if (isCount(outputTokens)) usage.outputTokens = outputTokens;
  if (usage.inputTokens === undefined && usage.outputTokens === undefined) return undefined;
  const cost = costOf(usage, prices);
  if (cost !== undefined) usage.costUsd = cost;
  return usage;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
