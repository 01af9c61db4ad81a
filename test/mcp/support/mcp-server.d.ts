import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { type PassportVerifier } from "../../../mcp-verifier/src/index.ts";
export type McpEndpoint = {
  url: URL;
  close(): Promise<void>;
};
export declare function startMcpServer(verifier: PassportVerifier): Promise<McpEndpoint>;
/** Connects an SDK client sending `Authorization: Bearer <token>` (if any) and calls `tool` once. */
export declare function callTool(endpoint: McpEndpoint, token: string | undefined, tool: string, q?: string): Promise<CallToolResult>;
/** The text of a call's first content block. */
export declare const textOf: (result: CallToolResult) => string;
