/** CLI logins (`edgevault login --web`): the device flow's routes. Shapes: cli-logins.contract.ts. */
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { CliLoginCollected, CliLoginParams, CliLoginStarted, CliLoginView, CollectCliLoginBody, StartCliLoginBody } from "./cli-logins.contract.ts";

export const startCliLogin = createRoute({
  method: "post",
  path: "/v1/cli-logins",
  tags: ["auth"],
  summary: "Start a CLI login in the browser (device flow, RFC 8628)",
  description:
    "Answers a device code (the CLI's secret: it collects the login), a user code for the person, and the console page where they confirm it. Both expire after 10 minutes. At most 5 logins wait per client address (429 too_many_pending_logins).",
  request: jsonBody(StartCliLoginBody),
  responses: { 201: jsonResponse(CliLoginStarted, "Started"), ...errors(400, 404, 429) },
});

export const collectCliLogin = createRoute({
  method: "post",
  path: "/v1/cli-logins/token",
  tags: ["auth"],
  summary: "Collect a CLI login with its device code, once a person confirmed it",
  description:
    "Poll every `interval` seconds. 400 authorization_pending while nobody decided, 400 slow_down when polled faster, 403 access_denied when denied, 400 expired_token when expired, unknown or collected already; then 200 with a user session of the person who confirmed (shown this once).",
  request: jsonBody(CollectCliLoginBody),
  responses: { 200: jsonResponse(CliLoginCollected, "The login"), ...errors(400, 403) },
});

export const readCliLogin = createRoute({
  method: "get",
  path: "/v1/cli-logins/{userCode}",
  tags: ["auth"],
  summary: "What asks to log in with this user code (a signed-in person)",
  request: { params: CliLoginParams },
  responses: { 200: jsonResponse(CliLoginView, "The login"), ...errors(401, 403, 404) },
});

export const approveCliLogin = createRoute({
  method: "post",
  path: "/v1/cli-logins/{userCode}/approve",
  tags: ["auth"],
  summary: "Confirm a CLI login: the CLI that asks collects a session of yours",
  request: { params: CliLoginParams },
  responses: { 200: jsonResponse(CliLoginView, "Confirmed"), ...errors(401, 403, 404, 409) },
});

export const denyCliLogin = createRoute({
  method: "post",
  path: "/v1/cli-logins/{userCode}/deny",
  tags: ["auth"],
  summary: "Deny a CLI login: the CLI that asks gets nothing",
  request: { params: CliLoginParams },
  responses: { 200: jsonResponse(CliLoginView, "Denied"), ...errors(401, 403, 404, 409) },
});
