import type { Usage } from '../../core/engine/types';
import type { TurnOutcome } from '../../core/engine/loop-types';
import type { AgentPricing, TokenPrices } from '../../schemas/agent';

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

/** Most one call may report it cost, USD: a larger figure is not believed (dropped). */
export const MAX_REPORTED_COST_USD = 10_000;

/**
 * The `usage` an agent reported, as far as it is believable: `inputTokens`, `outputTokens` and
 * `costUsd` kept only when each is a finite number ≥ 0 (cost at most {@link MAX_REPORTED_COST_USD}),
 * so a hostile or broken agent cannot lower (negative), hide (a string) or blow up what a run spent.
 * @returns undefined when nothing is left.
 */
export function reportedUsage(raw: unknown): Usage | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const { inputTokens, outputTokens, costUsd } = raw as Record<string, unknown>;
  const usage: Usage = {};
  if (isCount(inputTokens)) usage.inputTokens = inputTokens;
  if (isCount(outputTokens)) usage.outputTokens = outputTokens;
  if (isCount(costUsd) && costUsd <= MAX_REPORTED_COST_USD) usage.costUsd = costUsd;
  return Object.keys(usage).length ? usage : undefined;
}

/**
 * The usage of one agent call with its cost by the registry's `pricing` (issue 17, "Cost and
 * budgets"): `input × input_per_mtok / 1e6 + output × output_per_mtok / 1e6 + per_call`, USD. Every
 * call of a priced agent costs at least `per_call`; a model loop's every turn is a call. Without
 * `pricing` (or with token prices only and no token counts) the usage is returned as it came: the
 * cost the agent reported (`costUsd` of an http agent) or the provider's `pricePerMillionTokens`.
 * @param called false for a call that never reached the agent (no usage, a failure): it costs nothing.
 */
export function pricedUsage(
  usage: Usage | undefined,
  pricing: AgentPricing | undefined,
  called = true,
): Usage | undefined {
  if (!pricing || (!called && !usage)) return usage;
  const tokens = isCount(usage?.inputTokens) || isCount(usage?.outputTokens);
  if (!tokens && pricing.per_call === undefined) return usage;
  const input = isCount(usage?.inputTokens) ? usage.inputTokens : 0;
  const output = isCount(usage?.outputTokens) ? usage.outputTokens : 0;
  const costUsd =
    (input * (pricing.input_per_mtok ?? 0)) / 1e6 +
    (output * (pricing.output_per_mtok ?? 0)) / 1e6 +
    (pricing.per_call ?? 0);
  return { ...usage, costUsd };
}

/** An agent call's result (or a model turn's outcome) with its usage priced by {@link pricedUsage}. */
export function withPricedUsage<T extends { ok: boolean; usage?: Usage }>(
  result: T,
  pricing: AgentPricing | undefined,
): T {
  if (!pricing) return result;
  const usage = pricedUsage(result.usage, pricing, result.ok);
  return usage ? { ...result, usage } : result;
}

/** A model turn's outcome with its usage priced by {@link pricedUsage} (the turn is one call). */
export function pricedTurn(outcome: TurnOutcome, pricing: AgentPricing | undefined): TurnOutcome {
  if (!pricing) return outcome;
  if (!outcome.ok) return withPricedUsage(outcome, pricing);
  const usage = pricedUsage(outcome.reply.usage, pricing);
  return usage ? { ...outcome, reply: { ...outcome.reply, usage } } : outcome;
}
