/**
 * Wiring only: the Worker entry (the Cloudflare adapter's handlers around the Hono app) and the
 * Durable Object classes wrangler.toml names.
 */
import { workerEntry } from './adapter/cloudflare/worker';
import { createApp } from './http/app';

export { AgentCircuit } from './adapter/cloudflare/agent-circuit';
export { AgentSlots } from './adapter/cloudflare/agent-slots';
export { TriggerBuffer } from './adapter/cloudflare/trigger-buffer';
export { AttemptExecutor } from './adapter/cloudflare/attempt-executor';
export { FlowGate } from './adapter/cloudflare/flow-gate';
export { RunObject } from './adapter/cloudflare/run/run-object';

export default workerEntry(createApp());
