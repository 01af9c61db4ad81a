/** Agent passports (CAP+JWT) at Vane's paths: issuing, rotating, revoking, the revoked list, OCSP, verification. Shapes: passports.contract.ts. */
import { createRoute } from "../auth/secured-route.ts";
import { AgentParams } from "../agents/agents.contract.ts";
import { errors, jsonBody, jsonResponse } from "../lib/openapi.ts";
import {
  IssuePassportBody,
  JtiParams,
  PassportIssued,
  PassportRevoked,
  PassportRotated,
  PassportStatus,
  PassportVerified,
  RevokedPassports,
  RevokedPassportsQuery,
  RevokePassportBody,
  RotatePassportHeaders,
  VerifyPassportBody,
} from "./passports.contract.ts";

export const issuePassport = createRoute({
  method: "post",
  path: "/v1/agents/{agentId}/passport",
  tags: ["passports", "identity"],
  summary: "Issue a passport (CAP+JWT) for an active agent: Vane's format, signed with the company's CA key",
  description:
    "A key or a company owner issues any scopes (default `tool:*`, `attest:write`); an agent only for itself and only within the passport scopes a person granted it. `ttl` 1-86400 s (default 3600).",
  request: { params: AgentParams, body: { content: { "application/json": { schema: IssuePassportBody } }, required: false } },
  responses: { 201: jsonResponse(PassportIssued, "Issued"), ...errors(400, 401, 403, 404, 409) },
});

export const rotatePassport = createRoute({
  method: "post",
  path: "/v1/agents/{agentId}/passport/rotate",
  tags: ["passports"],
  summary: "Replace the passport sent in `Counsel-Passport` by one with the same scopes and lifetime; the old one is revoked at once",
  request: { params: AgentParams, headers: RotatePassportHeaders },
  responses: { 200: jsonResponse(PassportRotated, "Rotated"), ...errors(400, 401, 403, 404, 409) },
});

export const revokePassport = createRoute({
  method: "post",
  path: "/v1/passports/{jti}/revoke",
  tags: ["passports"],
  summary: "Revoke a passport by its jti: at once for OCSP, verification and the revoked list",
  request: { params: JtiParams, body: { content: { "application/json": { schema: RevokePassportBody } }, required: false } },
  responses: { 200: jsonResponse(PassportRevoked, "Revoked"), ...errors(400, 401, 403, 404, 409) },
});

export const revokedPassports = createRoute({
  method: "get",
  path: "/v1/passports/revoked",
  tags: ["passports"],
  summary: "The company's revoked passports that have not expired yet, oldest revocation first, a page at a time (`next`)",
  request: { query: RevokedPassportsQuery },
  responses: { 200: jsonResponse(RevokedPassports, "Revoked passports"), ...errors(400, 401, 403) },
});

export const passportStatus = createRoute({
  method: "get",
  path: "/v1/ocsp/{jti}",
  tags: ["passports"],
  summary: "A passport's status (`valid` or `revoked`), signed with the company's CA key (Vane's OCSP shape)",
  description: "Cache `valid` for at most 60 s (a revocation shows within that), `revoked` until the passport expires.",
  request: { params: JtiParams },
  responses: { 200: jsonResponse(PassportStatus, "The signed status"), ...errors(401, 403, 404) },
});

export const verifyPassport = createRoute({
  method: "post",
  path: "/v1/passport/verify",
  tags: ["passports"],
  summary: "Verify a passport against the company's CA key and its revocation; optionally that it covers `tool:<tool>`",
  description: "A refused passport is 400 with `valid: false` and Vane's `code` (`PASSPORT_REVOKED`, `TOKEN_EXPIRED`, `WRONG_TOKEN_TYPE`, …).",
  request: jsonBody(VerifyPassportBody),
  responses: { 200: jsonResponse(PassportVerified, "Valid"), ...errors(400, 401, 403) },
});
