/**
 * The agent channel's two WebSocket routes (seed 004). OpenAPI cannot describe a WebSocket, so
 * each is documented as the GET that upgrades (101); the frames are in agent-channel.contract.ts
 * and docs/agents.md.
 */
import { createRoute } from "../auth/secured-route.ts";
import { errors } from "../lib/openapi.ts";
import { countRegistrationAttempt } from "../registrations/registration-attempts.ts";
import { CompanyParams } from "../registrations/registrations.contract.ts";
import { BEARER_SUBPROTOCOL_PREFIX, CHANNEL_SUBPROTOCOL, REGISTER_TIMEOUT_MS } from "./agent-channel.contract.ts";

const UPGRADE =
  'Send `Upgrade: websocket`. Frames are JSON text: `{"type":"ping"}` is answered `{"type":"pong"}`; a refusal is an error frame ' +
  '(`{"type":"error","error","message"}`) followed by a close whose code is 4000 + the HTTP status of that error.';

export const agentChannel = createRoute({
  method: "get",
  path: "/v1/agents/channel",
  tags: ["agents"],
  summary: "Hold the calling agent's channel (WebSocket): the agent is online while it is open",
  description:
    `${UPGRADE} Authenticate with \`Authorization: Bearer <agent token>\`, or, where headers cannot be set, offer the subprotocols ` +
    `\`${CHANNEL_SUBPROTOCOL}\` and \`${BEARER_SUBPROTOCOL_PREFIX}<agent token>\` (never a query parameter: URLs are logged). ` +
    "Rotating or revoking the token, or disabling or deleting the agent, closes the channel with code 4001.",
  responses: {
    101: { description: "Switching Protocols: the channel is open" },
    ...errors(401, 403, 426),
  },
});

export const registrationChannel = createRoute({
  method: "get",
  path: "/v1/companies/{companyId}/agents/channel",
  tags: ["registrations"],
  summary: "Register over a WebSocket (no auth) and wait there for the decision, pushed with the agent token",
  description:
    `${UPGRADE} The first frame, within ${REGISTER_TIMEOUT_MS / 1000} s, is \`{"type":"register", name, version?, capabilities, publicKey?}\` ` +
    '(the body of POST /v1/companies/{companyId}/agents/register, with the same limits), answered `{"type":"registered", registrationId, agentId, claim_token, …}`. ' +
    'When an owner decides, the channel receives `{"type":"approved", agentId, spiffeId, token, capabilities, realm}` (the token is minted by this push, once) ' +
    'or `{"type":"rejected", reason}`, and is closed. If the socket is gone by then, claim with the claim token (POST /v1/registrations/claim). ' +
    "Each upgrade is counted as a registration attempt, as the POST is; a vault session is refused (403 session_cannot_register).",
  middleware: [countRegistrationAttempt],
  request: { params: CompanyParams },
  responses: {
    101: { description: "Switching Protocols: send the register frame" },
    ...errors(400, 401, 403, 404, 426, 429),
  },
});
