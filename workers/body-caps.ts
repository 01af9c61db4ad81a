/**
 * Every request body has a cap, chosen by route (`bodyCapFor`) when the request arrives and
 * enforced without reading anything: a declared `Content-Length` over the cap is refused at once
 * (413 `payload_too_large`), and a body without one is counted as whoever reads it reads it, so
 * an unauthenticated route can still count the attempt before the body is touched
 * (registrations/registration-attempts.ts) and the proxy still streams. A route may tighten its
 * cap (`bodyCap`); it never loosens one.
 */
import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./app-env.ts";
import { AppError } from "./lib/app-error.ts";
import { APPROVAL_FORM_BODY_LIMIT } from "./console/page-forms.ts";

/** Control-plane request bodies (`/v1/*`) are capped at 1 MiB. */
export const CONTROL_PLANE_BODY_LIMIT = 1024 * 1024;
/** Vaultys' `/api/*`: a registration or a decision, a few short fields. */
export const VAULTYS_API_BODY_LIMIT = 64 * 1024;
/** `POST /invite/{token}` takes no body; a client's `{}` is welcome. */
export const INVITE_BODY_LIMIT = 1024;
/**
 * The other public `/v1` routes read a few fields (sign-in, accepting a user invite, a claim) or a
 * few tokens (token exchange): anyone may send them, so they get no more room than that needs.
 * (The registration routes' cap, 16 KiB, is their own: counted after the attempt is.)
 */
const PUBLIC_V1_CAPS: Readonly<Record<string, number>> = {
  "/v1/auth/sign-in": 16 * 1024,
  "/v1/users/accept": 16 * 1024,
  "/v1/registrations/claim": 16 * 1024,
  "/v1/token/exchange": 64 * 1024,
};
/**
 * A proxied body streams to the upstream and is never held; 100 MiB is Cloudflare's own cap on
 * its Free and Pro plans, so every runtime refuses what production would.
 */
export const PROXY_BODY_LIMIT = 100 * 1024 * 1024;

/**
 * The cap of a request by method and path. Reads carry no body (WebSocket upgrades included);
 * the pages' forms get the approval form's room here, and page-forms.ts tightens the rest.
 */
export function bodyCapFor(method: string, path: string): number {
  if (path.startsWith("/proxy/")) return PROXY_BODY_LIMIT;
  if (method === "GET" || method === "HEAD") return 0;
  if (path.startsWith("/v1/")) return PUBLIC_V1_CAPS[path] ?? CONTROL_PLANE_BODY_LIMIT;
  if (path.startsWith("/api/")) return VAULTYS_API_BODY_LIMIT;
  if (path.startsWith("/invite/")) return INVITE_BODY_LIMIT;
  return APPROVAL_FORM_BODY_LIMIT;
}

const tooLarge = (maxSize: number) => new AppError(413, "payload_too_large", `Request bodies here are limited to ${maxSize} bytes`);

/** Requests whose body went over its cap while being read, with that cap. */
const overCap = new WeakMap<Context, number>();

/**
 * The 413 a request earned by sending more than its cap, if it did. A reader that hit the cap
 * reports its own failure (the JSON validator says malformed JSON, a form reader an unreadable
 * form), so the one error handler asks here first.
 */
export function bodyOverCap(c: Context): AppError | undefined {
  const cap = overCap.get(c);
  return cap === undefined ? undefined : tooLarge(cap);
}

/** Holds this request's body to `maxSize` bytes from now on, reading nothing. */
export function limitBody(c: Context, maxSize: number): void {
  const request = c.req.raw;
  const declared = request.headers.get("content-length");
  if (declared !== null && !request.headers.has("transfer-encoding")) {
    // The runtime holds a body to the length it declared, so the header is the whole story. It
    // is checked even where the runtime hands over no body (a GET, a WebSocket upgrade, whose
    // bytes would otherwise follow the handshake).
    if (Number(declared) > maxSize) throw tooLarge(maxSize);
    return;
  }
  if (!request.body) return;
  let seen = 0;
  const counted = request.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen <= maxSize) return controller.enqueue(chunk);
        overCap.set(c, Math.min(maxSize, overCap.get(c) ?? maxSize));
        controller.error(tooLarge(maxSize));
      },
    }),
  );
  c.req.raw = new Request(request, { body: counted });
}

/** Route middleware: this route's own, tighter cap. */
export const bodyCap = (maxSize: number): MiddlewareHandler<AppEnv> =>
  createMiddleware<AppEnv>(async (c, next) => {
    limitBody(c, maxSize);
    await next();
  });
