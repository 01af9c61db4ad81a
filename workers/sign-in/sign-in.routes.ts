/** Sign-in and sign-out for humans; `whoami` for every caller. */
import { z } from "@hono/zod-openapi";
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonBody, jsonResponse, ResourceName, Timestamp } from "../lib/openapi.ts";

export const UserView = z
  .object({ id: z.string(), email: z.string(), name: z.string(), role: z.enum(["owner", "member"]), status: z.string(), company_id: z.string(), created_at: Timestamp })
  .openapi("User");

export const signIn = createRoute({
  method: "post",
  path: "/v1/auth/sign-in",
  tags: ["auth"],
  summary: "Sign in with email and password",
  description:
    "mode=bearer (default) returns a token for the CLI; mode=cookie sets an HttpOnly, Secure, SameSite=Strict cookie for the web pages and returns the CSRF token to send as X-CSRF-Token. An e-mail address is unique per company only: when the password opens accounts in more than one company, send `company` (409 company_required lists them). Attempts are throttled per account and client address, per address and per account (429 with Retry-After).",
  request: jsonBody(
    z
      .object({
        email: z.string().email().max(254),
        password: z.string().min(1).max(256),
        mode: z.enum(["bearer", "cookie"]).default("bearer"),
        company: ResourceName.optional().openapi({ description: "The company to sign in to; needed only when the password opens accounts in several" }),
      })
      .strict(),
  ),
  responses: {
    200: jsonResponse(
      z.object({ token: z.string().optional(), csrf_token: z.string().optional(), expires_at: Timestamp, user: UserView }),
      "Signed in",
    ),
    ...errors(400, 401, 409, 429),
  },
});

export const signOut = createRoute({
  method: "post",
  path: "/v1/auth/sign-out",
  tags: ["auth"],
  summary: "Sign out: revokes the session token or cookie used for this request",
  responses: { 200: jsonResponse(z.object({ signed_out: z.literal(true) }), "Signed out"), ...errors(401, 403) },
});

export const whoami = createRoute({
  method: "get",
  path: "/v1/whoami",
  tags: ["auth"],
  summary: "Who the presented token belongs to",
  responses: {
    200: jsonResponse(
      z.object({
        kind: z.enum(["company_key", "user", "agent", "vault_session"]),
        id: z.string(),
        company: z.object({ id: z.string(), name: z.string() }),
        company_role: z.enum(["owner", "member"]),
        email: z.string().optional(),
        name: z.string().optional(),
        vault: z.string().optional(),
      }),
      "The caller",
    ),
    ...errors(401),
  },
});
