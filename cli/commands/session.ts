/**
 * `session create|list|revoke`: vault-scoped session tokens, which act with the proxy role in
 * one vault (what `vault run` mints for itself, or what a CI job is given). `session create`
 * prints the token because that is what it is asked for; nothing lists it again.
 */
import { z } from "zod";
import {
  MAX_SESSION_ID_LENGTH,
  MAX_SESSION_LABEL_LENGTH,
  MintedSession,
  SESSION_MAX_TTL_SECONDS,
  SESSION_MIN_TTL_SECONDS,
  SessionList,
  SessionRevoked,
} from "../../workers/sessions/sessions.contract.ts";
import { createCommand } from "../command/command.ts";
import { Ttl } from "../duration.ts";
import { JSON_OPTION, printJson, table } from "../format.ts";
import { listedId } from "../command/names.ts";
import { requireSession } from "../edge/session.ts";
import { oneLine } from "../terminal-text.ts";
import { resolveVault, VAULT_OPTION } from "../vault-option.ts";

const SessionId = listedId(1, MAX_SESSION_ID_LENGTH, "must be a session id as shown by `edgevault session list` (e.g. ses_0b7e4c29d1a8f36e55)");

export const sessionCreate = createCommand({
  path: ["session", "create"],
  summary: "Mint a vault session token for CI or a script; prints the token once",
  description: `Mints a session token scoped to one vault: it acts with the proxy role there (requests through
/proxy without an X-Vault header) and nothing else, until it expires or is revoked. The token is
printed once, alone on stdout, so it can go straight into a CI secret; it cannot be shown
again. Needs the member role in the vault (or higher).`,
  options: {
    vault: VAULT_OPTION,
    ttl: {
      type: "string",
      placeholder: "duration",
      schema: Ttl(SESSION_MIN_TTL_SECONDS, SESSION_MAX_TTL_SECONDS).optional(),
      description: "How long it lives: 5m to 7d, e.g. 1h, 12h (default 24h)",
    },
    label: {
      type: "string",
      placeholder: "text",
      schema: z.string().max(MAX_SESSION_LABEL_LENGTH, `must be at most ${MAX_SESSION_LABEL_LENGTH} characters`).optional(),
      description: `A note shown by session list, e.g. the CI job (up to ${MAX_SESSION_LABEL_LENGTH} characters)`,
    },
    json: { type: "boolean", description: "Print {id, token, expires_at, addr, vault} instead of the bare token" },
  },
  examples: [
    'edgevault session create --vault payments --ttl 1h --label "deploy job" | gh secret set EDGEVAULT_SESSION',
    "edgevault session create --vault payments --json",
  ],
  async handler({ vault: flag, ttl, label, json }, context) {
    const vault = await resolveVault(context, flag);
    const { client } = await requireSession(context);
    const minted = await client.call("post", "/v1/sessions", MintedSession, {
      body: { vault, ...(ttl === undefined ? {} : { ttl_seconds: ttl }), ...(label === undefined ? {} : { label }) },
    });
    if (json) {
      context.out(JSON.stringify(minted, null, 2));
      return;
    }
    // The token alone on stdout; what it is and how to revoke it on stderr.
    context.out(minted.token);
    context.err("");
    context.err(`Session ${minted.id} for vault "${minted.vault}" at ${minted.addr}, expires ${minted.expires_at}. The token above is shown only now.`);
    context.err(
      `Send it as the Bearer token of ${minted.addr}/proxy/<host>/… requests (no X-Vault needed). Revoke it with: edgevault session revoke ${minted.id}`,
    );
  },
});

export const sessionList = createCommand({
  path: ["session", "list"],
  summary: "List a vault's active sessions (all for admins, your own otherwise)",
  description: `Lists the vault's sessions that are neither expired nor revoked, newest first: every one for a
vault admin, the ones you minted otherwise. Tokens are never shown.`,
  options: { vault: VAULT_OPTION, json: { type: "boolean", description: "Print a JSON array of sessions (the edge's fields)" } },
  examples: ["edgevault session list --vault payments"],
  async handler({ vault: flag, json }, context) {
    const vault = await resolveVault(context, flag);
    const { client } = await requireSession(context);
    const { sessions } = await client.call("get", "/v1/sessions", SessionList, { query: { vault } });
    if (json) {
      context.out(JSON.stringify(sessions, null, 2));
      return;
    }
    if (sessions.length === 0) {
      context.err(`No active sessions in vault "${vault}".`);
      return;
    }
    context.out(
      table(
        ["ID", "LABEL", "MINTED BY", "CREATED", "EXPIRES"],
        sessions.map((s) => [s.id, s.label ? oneLine(s.label, 40) : "-", `${s.minted_by.type}:${s.minted_by.id}`, s.created_at, s.expires_at]),
      ),
    );
  },
});

export const sessionRevoke = createCommand({
  path: ["session", "revoke"],
  summary: "Revoke a session: its token is refused from the next request",
  description: `Revokes the session; its token is refused from its next request. You can revoke the sessions you
minted; vault admins can revoke any session of their vaults.`,
  positionals: [{ name: "id", schema: SessionId, description: "The session's id, as session list and session create show it" }],
  options: { json: JSON_OPTION("the edge's answer", "{revoked: <id>}") },
  examples: ["edgevault session revoke ses_0b7e4c29d1a8f36e55"],
  async handler({ id, json }, context) {
    const { client } = await requireSession(context);
    const answer = await client.call("delete", "/v1/sessions/{id}", SessionRevoked, { params: { id } });
    if (json) printJson(context, answer);
    else context.out(`Revoked session ${answer.revoked}.`);
  },
});
