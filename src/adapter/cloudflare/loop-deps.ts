import type { LoopDeps } from '../../agents/loop';
import { callModel } from '../../agents/model/index';
import { callTool, resolveTools } from '../../agents/tools/index';

/** The real model providers and tool callers an agent loop uses in the Worker. */
export const LOOP_DEPS: LoopDeps = { callModel, resolveTools, callTool };
