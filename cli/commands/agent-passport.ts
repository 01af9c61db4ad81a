/**
 * `agent passport grant|issue|rotate|revoke|verify`: agent passports (CAP+JWT) for MCP servers.
 * A passport is a credential the command is asked to mint: `issue` and `rotate` print it once,
 * alone on stdout, so it can go straight to the agent; a passport to rotate or verify is read from
 * stdin or a hidden prompt, never from arguments.
 */
import { z } from "zod";
import { AgentId, AgentUpdated } from "../../workers/agents/agents.contract.ts";
import { PASSPORT_MAX_TTL_SECONDS } from "../../workers/lib/crypto/passport-format.ts";
import { MAX_PASSPORT_SCOPES } from "../../workers/lib/crypto/passport-scopes.ts";
import {
  CURRENT_PASSPORT_HEADER,
  MAX_REVOCATION_REASON,
  PassportIssued,
  PassportRevoked,
  PassportRotated,
  PassportScope,
  PassportVerified,
} from "../../workers/passports/passports.contract.ts";
import { CliError, UsageError } from "../cli-error.ts";
import { type CommandContext, createCommand } from "../command/command.ts";
import { formatDuration, Ttl } from "../duration.ts";
import { isApiError } from "../edge/api-client.ts";
import { requireSession } from "../edge/session.ts";
import { JSON_OPTION, printJson } from "../format.ts";
import { readSecret } from "../prompt.ts";

const AGENT = { name: "name", schema: AgentId, description: "The agent's name" } as const;
const Scopes = z.array(PassportScope).max(MAX_PASSPORT_SCOPES, `at most ${MAX_PASSPORT_SCOPES} scopes`);
const SCOPE_SHAPES = "`*`, `category:*` or `category:name` (e.g. tool:*, tool:search, attest:write)";

/** What `issue` and `rotate` say about the passport they printed, on stderr. */
function describeIssued(context: CommandContext, issued: z.output<typeof PassportIssued>, what: string): void {
  context.err(
    `${what} for agent "${issued.agentId}": ${issued.scopes.join(" ")}, ${formatDuration(issued.expiresIn)} (until ${issued.expiresAt}), jti ${issued.jti}.`,
  );
  context.err("MCP servers verify it offline against the company's CA key (--json prints it as caPublicKey) and may ask GET /v1/ocsp/<jti>.");
}

export const agentPassportGrant = createCommand({
  path: ["agent", "passport", "grant"],
  summary: "Set the passport scopes an agent may obtain for itself (people and API keys only)",
  description: `Sets what the agent may put into a passport it asks for itself: each scope is ${SCOPE_SHAPES}.
The agent never gets wider than this; a person or an API key may still issue it any scopes.
Replaces the whole grant; --none takes it away. Changing the grant revokes the passports the agent
obtained itself under the old one.`,
  positionals: [AGENT],
  options: {
    scope: { type: "string", multiple: true, placeholder: "scope", schema: Scopes, description: `A scope to grant (repeatable): ${SCOPE_SHAPES}` },
    none: { type: "boolean", description: "Grant no scopes: the agent obtains no passport by itself" },
    json: JSON_OPTION("the updated agent (the edge's fields)"),
  },
  examples: ["edgevault agent passport grant my-agent --scope tool:search --scope attest:write", "edgevault agent passport grant my-agent --none"],
  async handler({ name, scope, none, json }, context) {
    if (none === scope.length > 0) throw new UsageError("Name the scopes to grant with --scope, or pass --none to grant none (not both)");
    const { client } = await requireSession(context);
    const { agent } = await client.call("patch", "/v1/agents/{agentId}", AgentUpdated, { params: { agentId: name }, body: { passportScopes: scope } });
    if (json) printJson(context, agent);
    else
      context.out(
        agent.passportScopes.length
          ? `Agent "${agent.name}" may obtain passports within: ${agent.passportScopes.join(" ")}`
          : `Agent "${agent.name}" obtains no passport by itself.`,
      );
  },
});

export const agentPassportIssue = createCommand({
  path: ["agent", "passport", "issue"],
  summary: "Issue a passport (CAP+JWT) for an agent; prints it once",
  description: `Issues a passport for an active agent, in Vane's format, signed with the company's CA key:
an MCP server verifies it offline and checks tool:<name> per tool call. It is printed once, alone
on stdout. Without --scope it carries tool:* and attest:write (Vane's default). An API key or a
company owner issues any scopes; an agent issuing for itself gets only what a person granted it
(edgevault agent passport grant).`,
  positionals: [AGENT],
  options: {
    scope: { type: "string", multiple: true, placeholder: "scope", schema: Scopes, description: `A scope to carry (repeatable): ${SCOPE_SHAPES}` },
    ttl: {
      type: "string",
      placeholder: "duration",
      schema: Ttl(1, PASSPORT_MAX_TTL_SECONDS).optional(),
      description: `How long it lives: up to ${formatDuration(PASSPORT_MAX_TTL_SECONDS)}, e.g. 15m, 1h (default 1h)`,
    },
    json: JSON_OPTION("the edge's answer", "the passport, its scopes, jti, expiry and the CA key to pin (caPublicKey)"),
  },
  examples: [
    "edgevault agent passport issue my-agent --scope tool:search --ttl 15m",
    "edgevault agent passport issue my-agent --json | jq -r .caPublicKey > ca.pem",
  ],
  async handler({ name, scope, ttl, json }, context) {
    const { client } = await requireSession(context);
    const body = { ...(scope.length ? { scopes: scope } : {}), ...(ttl === undefined ? {} : { ttl }) };
    const issued = await client.call("post", "/v1/agents/{agentId}/passport", PassportIssued, { params: { agentId: name }, body });
    if (json) {
      printJson(context, issued);
      return;
    }
    context.out(issued.passport);
    describeIssued(context, issued, "Passport");
  },
});

export const agentPassportRotate = createCommand({
  path: ["agent", "passport", "rotate"],
  summary: "Replace a passport (read from stdin) by a new one with the same scopes and lifetime",
  description: `Reads the agent's current passport from stdin (or a hidden prompt), revokes it and prints its
successor once, alone on stdout: the same scopes and lifetime, a new jti. The old one is refused
by OCSP and verification at once.`,
  positionals: [AGENT],
  options: { json: JSON_OPTION("the edge's answer", "the new passport, its jti and the jti it replaced (rotatedFrom)") },
  examples: [
    "edgevault agent passport rotate my-agent          # paste the current passport at the prompt",
    'printf %s "$PASSPORT" | edgevault agent passport rotate my-agent --json',
  ],
  async handler({ name, json }, context) {
    const current = await readSecret(context, "current passport");
    const { client } = await requireSession(context);
    const rotated = await client.call("post", "/v1/agents/{agentId}/passport/rotate", PassportRotated, {
      params: { agentId: name },
      headers: { [CURRENT_PASSPORT_HEADER]: current },
    });
    if (json) {
      printJson(context, rotated);
      return;
    }
    context.out(rotated.passport);
    describeIssued(context, rotated, `Passport (replacing ${rotated.rotatedFrom}, now revoked)`);
  },
});

export const agentPassportRevoke = createCommand({
  path: ["agent", "passport", "revoke"],
  summary: "Revoke a passport by its jti: at once for OCSP, verification and the revoked list",
  description: `Revokes a passport by its jti (printed by issue, or the passport's jti claim). OCSP, server-side
verification and GET /v1/passports/revoked see it at once; a verifier that checks offline only
keeps accepting it until it expires.`,
  positionals: [{ name: "jti", schema: z.string().regex(/^[0-9a-f-]{1,64}$/, "must be a passport's jti (a UUID)"), description: "The passport's jti" }],
  options: {
    reason: {
      type: "string",
      placeholder: "text",
      schema: z.string().min(1, "must not be empty").max(MAX_REVOCATION_REASON).optional(),
      description: "Why, as OCSP will tell verifiers",
    },
    json: JSON_OPTION("the edge's answer", "{jti, revokedAt, reason}"),
  },
  examples: ['edgevault agent passport revoke 550e8400-e29b-41d4-a716-446655440000 --reason "agent compromised"'],
  async handler({ jti, reason, json }, context) {
    const { client } = await requireSession(context);
    const revoked = await client.call("post", "/v1/passports/{jti}/revoke", PassportRevoked, {
      params: { jti },
      ...(reason === undefined ? {} : { body: { reason } }),
    });
    if (json) printJson(context, revoked);
    else context.out(`Revoked passport ${revoked.jti} at ${revoked.revokedAt}.`);
  },
});

export const agentPassportVerify = createCommand({
  path: ["agent", "passport", "verify"],
  summary: "Check a passport (read from stdin) at the edge: signature, expiry, revocation, a tool's scope",
  description: `Reads a passport from stdin (or a hidden prompt) and has the edge verify it against the
company's CA key and its revocation, as an MCP server in OCSP mode would. With --tool, it must
also cover tool:<name>. Exits 0 when valid; 1 with Vane's code (PASSPORT_REVOKED, TOKEN_EXPIRED,
SCOPE_DENIED, WRONG_TOKEN_TYPE, …) when not.`,
  options: {
    tool: {
      type: "string",
      placeholder: "name",
      schema: z.string().min(1).max(128).optional(),
      description: "An MCP tool the passport must cover (tool:<name>)",
    },
    json: JSON_OPTION("the edge's answer", "valid, the claims, the scope that covered the tool and a receipt"),
  },
  examples: [
    "edgevault agent passport verify --tool search          # paste the passport at the prompt",
    'printf %s "$PASSPORT" | edgevault agent passport verify --json',
  ],
  async handler({ tool, json }, context) {
    const passport = await readSecret(context, "passport");
    const { client } = await requireSession(context);
    try {
      const verified = await client.call("post", "/v1/passport/verify", PassportVerified, { body: { passport, ...(tool === undefined ? {} : { tool }) } });
      if (json) {
        printJson(context, verified);
        return;
      }
      const { claims } = verified;
      context.out(
        `valid: agent "${claims.counsel.agentId}" of ${claims.counsel.org}, scopes ${claims.counsel.scopes.join(" ")}, expires ${new Date(claims.exp * 1000).toISOString()}`,
      );
      if (tool !== undefined) context.out(`tool:${tool} covered by ${verified.scopeGranted}`);
    } catch (error) {
      if (!isApiError(error, "passport_invalid")) throw error;
      const code = typeof error.details.code === "string" ? error.details.code : "INVALID";
      if (json) printJson(context, { valid: false, code, message: error.message });
      throw new CliError(`invalid: ${code}: ${error.message}`, undefined, { code: error.code });
    }
  },
});
