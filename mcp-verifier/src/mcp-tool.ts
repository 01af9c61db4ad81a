/**
 * Passports in an MCP server built with the official SDK (`McpServer.registerTool`): each tool
 * call is checked on its own, against the passport the call carries and `tool:<name>`. Over
 * Streamable HTTP the passport is the request's `Authorization: Bearer` header, which the SDK
 * hands every call as `extra.requestInfo`; a server that authenticated the request itself passes
 * it as `extra.authInfo`; Vane's clients may also put it in the call's `_meta.authorization`.
 * A refused call answers a tool error naming Vane's code, so the agent (and its model) reads why.
 */
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { CallToolResult, ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import type { PassportVerifier, RefusedPassport, VerifiedPassport } from "./verifier.js";

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Where a refusal is in a refused call's result, for clients that read it rather than the text. */
export const REFUSAL_META_KEY = "edgevault.dev/passport-refusal";

const bearer = (value: unknown): string | undefined => {
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== "string") return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(text);
  return match?.[1] ?? undefined;
};

/** The passport a tool call carries: the request's bearer token, else the call's `_meta.authorization` (Vane's). */
export function passportOf(extra: ToolExtra): string | undefined {
  if (extra.authInfo?.token) return extra.authInfo.token;
  const fromHeader = bearer(extra.requestInfo?.headers.authorization);
  if (fromHeader) return fromHeader;
  const meta = extra._meta?.authorization;
  return typeof meta === "string" && meta !== "" ? (bearer(meta) ?? meta) : undefined;
}

/** The tool error a refused call answers: `Passport refused (CODE): why`, the refusal also in `_meta`. */
export function refusedCall(refusal: Pick<RefusedPassport, "code" | "message">): CallToolResult {
  return {
    isError: true,
    content: [{ type: "text", text: `Passport refused (${refusal.code}): ${refusal.message}` }],
    _meta: { [REFUSAL_META_KEY]: { code: refusal.code, message: refusal.message } },
  };
}

/**
 * Wraps a tool's callback: the call runs only with a passport that verifies and covers
 * `tool:<name>`, and the callback gets the verified passport (claims and Vane's receipt).
 *
 * @example
 * server.registerTool("search", { inputSchema: { q: z.string() } },
 *   passportTool(verifier, "search", async ({ q }, _extra, { receipt }) => ({ content: [{ type: "text", text: `${receipt.agentId}: ${q}` }] })));
 */
export function passportTool<Args>(
  verifier: PassportVerifier,
  name: string,
  handler: (args: Args, extra: ToolExtra, passport: VerifiedPassport) => CallToolResult | Promise<CallToolResult>,
): (args: Args, extra: ToolExtra) => Promise<CallToolResult> {
  return async (args, extra) => {
    const passport = passportOf(extra);
    if (!passport) return refusedCall({ code: "MALFORMED_TOKEN", message: "No passport: send it as Authorization: Bearer <passport>" });
    const verified = await verifier.verify(passport, { tool: name });
    if (!verified.valid) return refusedCall(verified);
    return handler(args, extra, verified);
  };
}
