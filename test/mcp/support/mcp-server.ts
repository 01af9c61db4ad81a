/**
 * A real MCP server of the official SDK (McpServer over Streamable HTTP, stateless: a server and a
 * transport per request, as the SDK's stateless example does) on a free loopback port, its tools
 * guarded by a passport verifier; and a real SDK client calling one tool with a bearer token.
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { type PassportVerifier, passportTool } from "../../../mcp-verifier/src/index.ts";

export type McpEndpoint = { url: URL; close(): Promise<void> };

/** Tools `search` and `delete`: each answers the verified passport's receipt, so a test sees who called. */
function passportServer(verifier: PassportVerifier): McpServer {
  const server = new McpServer({ name: "passport-guarded", version: "1.0.0" });
  for (const tool of ["search", "delete"]) {
    server.registerTool(
      tool,
      { description: `${tool} something`, inputSchema: { q: z.string() } },
      passportTool<{ q: string }>(verifier, tool, async ({ q }, _extra, { receipt }) => ({
        content: [{ type: "text", text: JSON.stringify({ q, receipt }) }],
      })),
    );
  }
  return server;
}

export async function startMcpServer(verifier: PassportVerifier): Promise<McpEndpoint> {
  const http: Server = createServer(async (req, res) => {
    const server = passportServer(verifier);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const { port } = http.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/mcp`),
    close: async () => {
      http.closeAllConnections();
      http.close();
      await once(http, "close");
    },
  };
}

/** Connects an SDK client sending `Authorization: Bearer <token>` (if any) and calls `tool` once. */
export async function callTool(endpoint: McpEndpoint, token: string | undefined, tool: string, q = "agents"): Promise<CallToolResult> {
  const client = new Client({ name: "passport-test-client", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(endpoint.url, { requestInit: { headers: token ? { Authorization: `Bearer ${token}` } : {} } });
  await client.connect(transport);
  try {
    return (await client.callTool({ name: tool, arguments: { q } })) as CallToolResult;
  } finally {
    await client.close();
  }
}

/** The text of a call's first content block. */
export const textOf = (result: CallToolResult) => {
  const [first] = result.content;
  return first?.type === "text" ? first.text : "";
};
