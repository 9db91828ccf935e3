/** Agent tools: resolving `tools:` specs into what the model is offered, and calling one tool. */
export { boundDescription, boundToolOutput, MAX_TOOL_DESCRIPTION, MAX_TOOL_OUTPUT } from './bounds';
export { callTool } from './call';
export { callHttpTool, DEFAULT_TOOL_MAX_BYTES } from './http-tool';
export { listMcpTools, MAX_MCP_PAGES, MAX_MCP_TOOLS, MAX_TOOL_SCHEMA, toolListKey } from './mcp-list';
export { mcpFailure, withMcpSession, type McpSession, type McpSessionOptions } from './mcp-session';
export { resolveTools } from './resolve';
export { LIST_TIMEOUT_MS, type ResolvedTool, type ToolCallContext, type ToolEnv, type ToolListCache } from './types';
