/** Sign-in and sign-out for humans; `whoami` for every caller. Shapes: sign-in.contract.ts. */
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { SignedIn, SignedOut, SignInBody, WhoAmI } from "./sign-in.contract.ts";

export const signIn = createRoute({
  method: "post",
  path: "/v1/auth/sign-in",
  tags: ["auth"],
  summary: "Sign in with email and password",
  description:
    "mode=bearer (default) returns a token for the CLI; mode=cookie sets an HttpOnly, Secure, SameSite=Strict cookie for the web pages and returns the CSRF token to send as X-CSRF-Token. An e-mail address is unique per company only: when the password opens accounts in more than one company, send `company` (409 company_required lists them). Attempts are throttled per account and client address, per address and per account (429 with Retry-After).",
  request: jsonBody(SignInBody),
  responses: {
    200: jsonResponse(SignedIn, "Signed in"),
    ...errors(400, 401, 409, 429),
  },
});

export const signOut = createRoute({
  method: "post",
  path: "/v1/auth/sign-out",
  tags: ["auth"],
  summary: "Sign out: revokes the session token or cookie used for this request",
  responses: { 200: jsonResponse(SignedOut, "Signed out"), ...errors(401, 403) },
});

export const whoami = createRoute({
  method: "get",
  path: "/v1/whoami",
  tags: ["auth"],
  summary: "Who the presented token belongs to",
  responses: {
    200: jsonResponse(WhoAmI, "The caller"),
    ...errors(401),
  },
});
