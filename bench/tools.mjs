// The bench's "tools" scenario: one agent step whose model asks for 20 `http` tool calls, one per
// turn, then answers; Baton's durable loop against the same 20 model round trips and 20 tool calls
// made by a plain Node loop (fetch in sequence, nothing recorded).

/** Tool calls of the scenario: one per model turn, then a final answer (turn 21). */
export const TOOL_CALLS = 20;
/** Timed runs of each side (after one warm-up); the figure is their median. */
const RUNS = 5;
const MODEL = 'bench-tools';
const ANSWER = 'done after 20 tool calls';
/** Largest request body the scripted model reads, characters (a conversation of 21 turns is ~10 KB). */
const MAX_BODY_CHARS = 1024 * 1024;

/**
 * A scripted OpenAI-compatible Chat Completions endpoint (`POST /model/v1/chat/completions`,
 * https://platform.openai.com/docs/api-reference/chat/create): the turn answered is the number of
 * assistant messages in the request, so a replayed request gets the same answer. Turns 1–20 ask
 * for one `ping` tool call each; turn 21 answers {@link ANSWER}. Anything else: a 4xx JSON error.
 * @param body the request body as read (already bounded by the caller's reader).
 */
export function handleModel(req, res, body) {
  const send = (status, payload) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
  };
  if (req.method !== 'POST' || req.url !== '/model/v1/chat/completions')
    return send(404, { error: { message: 'unknown model route' } });
  if (body.length > MAX_BODY_CHARS) return send(413, { error: { message: 'request body too large' } });
  let request;
  try {
    request = JSON.parse(body);
  } catch {
    return send(400, { error: { message: 'the body is not JSON' } });
  }
  if (!Array.isArray(request?.messages)) return send(400, { error: { message: 'messages: expected a list' } });
  const position = request.messages.filter((m) => m?.role === 'assistant').length;
  const number = position + 1;
  const message =
    position < TOOL_CALLS
      ? {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: `call_${number}`, type: 'function', function: { name: 'ping', arguments: `{"n":${number}}` } },
          ],
        }
      : { role: 'assistant', content: ANSWER };
  send(200, {
    id: `chatcmpl-${number}`,
    object: 'chat.completion',
    created: 0,
    model: String(request.model),
    choices: [{ index: 0, message, finish_reason: position < TOOL_CALLS ? 'tool_calls' : 'stop' }],
    usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
  });
}

/** The `ping` tool as Baton and the in-process loop both describe it to the model. */
const PING = {
  name: 'ping',
  description: 'Pings the bench server',
  parameters: { type: 'object', properties: { n: { type: 'integer' } } },
};

/**
 * The in-process floor: the same conversation as Baton's loop (user message, 20 × model turn + GET
 * of the tool URL, final turn), fetch in sequence from this Node process, nothing recorded.
 * @returns wall time in ms and the tool calls made; throws when the model does not answer as scripted.
 */
async function inProcessLoop(modelUrl, toolUrl) {
  const tools = [{ type: 'function', function: PING }];
  const messages = [{ role: 'user', content: 'go' }];
  let toolCalls = 0;
  const t0 = performance.now();
  for (let turn = 0; turn <= TOOL_CALLS; turn++) {
    const res = await fetch(modelUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages, tools }),
    });
    const message = (await res.json()).choices?.[0]?.message;
    if (!message) throw new Error(`in-process loop: model turn ${turn + 1} answered ${res.status}`);
    messages.push(message);
    if (!message.tool_calls?.length) {
      if (message.content !== ANSWER) throw new Error(`in-process loop: unexpected answer ${message.content}`);
      return { ms: performance.now() - t0, toolCalls };
    }
    for (const call of message.tool_calls) {
      const tool = await fetch(toolUrl);
      messages.push({ role: 'tool', tool_call_id: call.id, content: await tool.text() });
      toolCalls++;
    }
  }
  throw new Error(`in-process loop: no answer after ${TOOL_CALLS + 1} turns`);
}

/**
 * Throws unless the run completed with the scripted answer and its one step lists 21 turns holding
 * 20 succeeded `http` tool calls (read from `GET /api/runs/:id`, the transcript).
 * @returns where the run's time went, ms: inside model turns, inside tool calls, the rest (the step's
 * start and end, recording and dispatching between units).
 */
function checkTranscript(run) {
  const step = run.steps?.[0];
  const calls = (step?.turns ?? []).flatMap((t) => t.toolCalls);
  const ok =
    run.status === 'completed' &&
    run.output === ANSWER &&
    step.turns.length === TOOL_CALLS + 1 &&
    calls.length === TOOL_CALLS &&
    calls.every((c) => c.kind === 'http' && c.status === 'succeeded');
  if (!ok)
    throw new Error(
      `tools: run ${run.id} is ${run.status} with ${step?.turns?.length ?? 0} turns, ${calls.length} tool calls ` +
        `(${calls.filter((c) => c.status === 'succeeded').length} succeeded): ${JSON.stringify(step?.error ?? run.error ?? null)}`,
    );
  const span = (u) => Date.parse(u.endedAt) - Date.parse(u.startedAt);
  const turnsMs = step.turns.reduce((sum, t) => sum + span(t), 0);
  const toolsMs = calls.reduce((sum, c) => sum + span(c), 0);
  const runMs = Date.parse(run.endedAt) - Date.parse(run.startedAt);
  return { model_turns_ms: turnsMs, tool_calls_ms: toolsMs, between_units_ms: runMs - turnsMs - toolsMs };
}

const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const round = (x) => Math.round(x * 100) / 100;

/**
 * The scenario. `bench` is run.mjs's toolkit: `api`, `putWorkflow`, `startRun`, `waitRun`, `runMs`,
 * `agentUrl` (the bench's Node server, which serves `/zero` and `/model/…`) and `served()` (requests
 * it has answered on its agent routes, to check each tool call reached it once).
 * @returns the results.json entry: medians in ms, the overhead per tool round trip and the ratio.
 */
export async function toolsScenario(bench) {
  const { api, putWorkflow, startRun, waitRun, runMs, agentUrl, served } = bench;
  await api('/agents/tool-loop', {
    method: 'PUT',
    body: JSON.stringify({
      provider: 'openai',
      config: { baseUrl: `${agentUrl}/model/v1`, model: MODEL },
      tools: [{ http: { ...PING, method: 'GET', url: `${agentUrl}/zero` } }],
      max_turns: TOOL_CALLS + 5,
      max_tool_calls: TOOL_CALLS + 5,
    }),
  });
  await putWorkflow('tools', 'name: tools\nsteps: [ { id: work, agent: tool-loop, input: go } ]\n');
  const batonRun = async () => {
    const before = served();
    const id = await startRun('tools');
    const summary = await waitRun(id);
    breakdown = checkTranscript(await api(`/runs/${id}`));
    if (served() - before !== TOOL_CALLS)
      throw new Error(`tools: run ${id} reached /zero ${served() - before} times, not ${TOOL_CALLS}`);
    return runMs(summary);
  };
  let breakdown;
  const modelUrl = `${agentUrl}/model/v1/chat/completions`;
  await batonRun(); // warm-up
  await inProcessLoop(modelUrl, `${agentUrl}/zero`);
  const baton = [];
  const inprocess = [];
  // Interleaved, so a slow spell of the shared machine falls on both sides.
  for (let i = 0; i < RUNS; i++) {
    baton.push(await batonRun());
    const floor = await inProcessLoop(modelUrl, `${agentUrl}/zero`);
    if (floor.toolCalls !== TOOL_CALLS) throw new Error(`in-process loop made ${floor.toolCalls} tool calls`);
    inprocess.push(round(floor.ms));
  }
  const batonMs = median(baton);
  const inprocessMs = round(median(inprocess));
  return {
    tool_calls: TOOL_CALLS,
    runs: RUNS,
    baton_ms: batonMs,
    inprocess_ms: inprocessMs,
    overhead_ms_per_tool_call: round((batonMs - inprocessMs) / TOOL_CALLS),
    ratio: round(batonMs / inprocessMs),
    baton_runs_ms: baton,
    inprocess_runs_ms: inprocess,
    last_run_breakdown_ms: breakdown,
  };
}
