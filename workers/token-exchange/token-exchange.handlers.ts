/**
 * RFC 8693 token exchange (token-exchange.actions.ts): the body is read here, by RFC 6749's rules
 * (form-encoded, or JSON; its own error codes), then exchanged by the action. The answer is never
 * cached.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { createRouter } from "../router.ts";
import { publicContextOf } from "../request-context.ts";
import { exchangeToken } from "./token-exchange.actions.ts";
import { oauthError, paramsFromForm, paramsFromJson, parseTokenExchangeRequest, type RawParams } from "./token-exchange.request.ts";
import { tokenExchange } from "./token-exchange.routes.ts";

async function readParams(c: Context<AppEnv>): Promise<RawParams> {
  const type = (c.req.header("Content-Type") ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded" && type !== "application/json") {
    throw oauthError("invalid_request", "Send the parameters as application/x-www-form-urlencoded (or application/json)");
  }
  let text: string;
  try {
    // Decoded by hand: workerd warns when .text() reads a form body.
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(await c.req.arrayBuffer());
  } catch {
    throw oauthError("invalid_request", "The body is not valid UTF-8");
  }
  if (type === "application/x-www-form-urlencoded") return paramsFromForm(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw oauthError("invalid_request", "The body is not valid JSON");
  }
  return paramsFromJson(parsed);
}

export const tokenExchangeRouter = createRouter();
// The document shows the RFC 8693 body; the route is mounted like every other (its gate attached:
// a public row, the subject token its only credential) but without zod reading that body, since
// RFC 6749 fixes both its input rules and its error codes (`readParams`, token-exchange.request.ts).
tokenExchangeRouter.openAPIRegistry.registerPath(tokenExchange);

tokenExchangeRouter.openapi({ ...tokenExchange, hide: true, request: undefined }, async (c) => {
  const request = parseTokenExchangeRequest(await readParams(c));
  return c.json(await exchangeToken(publicContextOf(c), request), 200, { "Cache-Control": "no-store", Pragma: "no-cache" });
});
