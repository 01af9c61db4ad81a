/**
 * One well-formed request per operation of the edge, as a given principal would send it: what
 * the permission matrix sends to find out whether the table's cell holds. A probe that destroys
 * or changes something works on a fresh resource made for it, so every probe can run as every
 * principal in any order. An operation without a probe fails the matrix.
 */
import { env } from "cloudflare:test";
import type { Cell } from "../../../workers/auth/permission-table.ts";
import { call, createVault, inviteAgent, unique } from "../helpers.ts";
import { requestId } from "../upstream.ts";
import { PASSPORT_PROBES } from "./passport-probes.ts";
import { REQUEST_PROBES } from "./request-probes.ts";
import { CHAIN_PROBES } from "./chain-probes.ts";
import { SSO_PROBES } from "./sso-probes.ts";
import { CLI_LOGIN_PROBES, CLI_LOGIN_PUBLIC_PROBES } from "./cli-login-probes.ts";
import { OAUTH_PROBES } from "./oauth-probes.ts";
import { grantUser, mintSession, type Instance, type World } from "./world.ts";

export type ProbeRequest = { method: string; path: string; body?: unknown; rawBody?: string; headers?: Record<string, string>; token?: string };

export type Probe = {
  request(w: World, who: Instance): Promise<ProbeRequest>;
  /** For `self` cells: the same operation aimed at another principal, which must be refused. */
  other?(w: World, who: Instance): Promise<ProbeRequest>;
  /** When the cell alone cannot say (own versus others' objects), what this caller should get. */
  expect?(w: World, who: Instance, cell: Cell): "allow" | "refuse" | undefined;
  /** The path's parameters name a place in the caller's own company (a chain index), not another company's object. */
  inCallersOwnCompany?: boolean;
};

const K = (w: World) => w.company.ownerKey;
const fresh = (prefix: string) => unique(prefix);

/** Vault-scoped requests name the vault with X-Vault; a session carries its own. */
const xVault = (w: World, who: Instance): Record<string, string> => (who.kind === "session" ? {} : { "X-Vault": w.vault });

async function must<T extends { status: number; text: string }>(what: string, res: Promise<T>, status = 200): Promise<T> {
  const done = await res;
  if (done.status !== status) throw new Error(`${what}: ${done.status} ${done.text}`);
  return done;
}

async function freshAgent(w: World): Promise<string> {
  return (await inviteAgent(K(w), fresh("pa"))).name;
}

async function freshUser(w: World): Promise<{ id: string; email: string }> {
  const email = `${fresh("pu")}@example.com`;
  const res = await must("user", call("POST", "/v1/users", { token: K(w), body: { email, role: "member", password: "correct horse battery staple" } }), 201);
  return { id: (res.body.user as { id: string }).id, email };
}

/** A new vault in which the caller holds the same role as in the world's vault. */
async function freshVault(w: World, who: Instance): Promise<string> {
  const vault = await createVault(K(w), fresh("pv"));
  if (!own(w, who)) return vault;
  if (who.role && who.column === "member") await grantUser(K(w), vault, who.name, who.role);
  if (who.role && who.column === "agent")
    await must("grant agent", call("POST", `/v1/vaults/${vault}/agents`, { token: K(w), body: { agent: who.name, role: who.role } }));
  return vault;
}

async function freshService(w: World): Promise<string> {
  const name = fresh("ps");
  await must(
    "service",
    call("POST", `/v1/vaults/${w.vault}/services`, { token: K(w), body: { name, host: `${name}.example.com`, auth: { type: "passthrough" } } }),
    201,
  );
  return name;
}

/** A credential-only proposal raised by the world's raiser (a member may decide it). */
async function freshProposal(w: World): Promise<string> {
  // One raiser holds at most 10 pending proposals: retire the earlier probes' ones.
  await env.DB.prepare("UPDATE proposals SET status = 'expired' WHERE vault_id = ? AND status = 'pending'").bind(w.vaultId).run();
  const key = `P_${crypto.randomUUID().replace(/-/g, "").slice(0, 10).toUpperCase()}`;
  const res = await must(
    "proposal",
    call("POST", "/v1/proposals", { token: w.raiser.token, headers: { "X-Vault": w.vault }, body: { credentials: [{ key }], message: "probe" } }),
    201,
  );
  return res.body.id as string;
}

const keyOf = async (_w: World, id: string) => {
  const row = await env.DB.prepare("SELECT credentials FROM proposals WHERE id = ?").bind(id).first<{ credentials: string }>();
  return (JSON.parse(row?.credentials ?? "[]") as { key: string }[])[0]?.key ?? "";
};

/** Whether the caller belongs to the world (the tenant matrix sends another company's principals). */
const own = (w: World, who: Instance) => w.instances.includes(who);
/** Whether the caller can raise (and so read back its own) proposals in the world's vault. */
const canRaise = (w: World, who: Instance) => own(w, who) && who.role !== undefined;
/** The agent a self-or-other probe aims at: the caller itself when it is one of the world's agents. */
const selfOr = (w: World, who: Instance) => (who.kind === "agent" && own(w, who) ? who.name : w.raiser.name);

const BODILESS = new Set(["GET", "HEAD", "OPTIONS", "DELETE"]);
const proxyProbe = (method: string): Probe => ({
  request: async (w, who) => ({
    method,
    path: `/proxy/${w.host}/r/${requestId()}/x`,
    headers: { ...xVault(w, who), ...(BODILESS.has(method) ? {} : { "Content-Type": "text/plain" }) },
    body: BODILESS.has(method) ? undefined : "probe",
  }),
});

export const PROBES: Record<string, Probe> = {
  ...CHAIN_PROBES,
  ...SSO_PROBES,
  ...CLI_LOGIN_PROBES,
  ...OAUTH_PROBES,
  "POST /v1/companies": { request: async () => ({ method: "POST", path: "/v1/companies", body: { id: fresh("pc"), name: "Probe" } }) },
  "POST /v1/platform/master-key/rotate": { request: async () => ({ method: "POST", path: "/v1/platform/master-key/rotate" }) },

  "GET /v1/company": { request: async () => ({ method: "GET", path: "/v1/company" }) },
  "POST /v1/api-keys": { request: async () => ({ method: "POST", path: "/v1/api-keys", body: { label: "probe" } }) },
  "GET /v1/api-keys": { request: async () => ({ method: "GET", path: "/v1/api-keys" }) },
  "DELETE /v1/api-keys/{id}": {
    request: async (w) => {
      const key = await must("key", call("POST", "/v1/api-keys", { token: K(w), body: { label: "spare" } }), 201);
      return { method: "DELETE", path: `/v1/api-keys/${key.body.id as string}` };
    },
  },

  "POST /v1/auth/sign-out": { request: async (_w, who) => ({ method: "POST", path: "/v1/auth/sign-out", token: await who.spareToken() }) },
  "GET /v1/whoami": { request: async () => ({ method: "GET", path: "/v1/whoami" }) },

  "POST /v1/users": { request: async () => ({ method: "POST", path: "/v1/users", body: { email: `${fresh("nu")}@example.com`, role: "member" } }) },
  "GET /v1/users": { request: async () => ({ method: "GET", path: "/v1/users" }) },
  "PATCH /v1/users/{id}": { request: async (w) => ({ method: "PATCH", path: `/v1/users/${(await freshUser(w)).id}`, body: { name: "Renamed" } }) },
  "DELETE /v1/users/{id}": { request: async (w) => ({ method: "DELETE", path: `/v1/users/${(await freshUser(w)).id}` }) },

  "POST /v1/vaults": { request: async () => ({ method: "POST", path: "/v1/vaults", body: { name: fresh("nv") } }) },
  "GET /v1/vaults": { request: async () => ({ method: "GET", path: "/v1/vaults" }) },
  "GET /v1/vaults/{vault}": { request: async (w) => ({ method: "GET", path: `/v1/vaults/${w.vault}` }) },
  "PATCH /v1/vaults/{vault}": { request: async (w) => ({ method: "PATCH", path: `/v1/vaults/${w.vault}`, body: { unmatched_host_policy: "passthrough" } }) },
  "DELETE /v1/vaults/{vault}": {
    request: async (w, who) => ({ method: "DELETE", path: `/v1/vaults/${await freshVault(w, who)}` }),
    // A fresh vault: a session (bound to the world's vault) holds no role there.
    expect: (_w, who) => (who.kind === "session" ? "refuse" : undefined),
  },
  "GET /v1/vaults/{vault}/users": { request: async (w) => ({ method: "GET", path: `/v1/vaults/${w.vault}/users` }) },
  "POST /v1/vaults/{vault}/users": {
    request: async (w) => ({ method: "POST", path: `/v1/vaults/${w.vault}/users`, body: { email: (await freshUser(w)).email, role: "proxy" } }),
  },
  "PATCH /v1/vaults/{vault}/users/{userId}": {
    request: async (w) => {
      const user = await freshUser(w);
      await grantUser(K(w), w.vault, user.email, "proxy");
      return { method: "PATCH", path: `/v1/vaults/${w.vault}/users/${user.id}`, body: { role: "member" } };
    },
  },
  "DELETE /v1/vaults/{vault}/users/{userId}": {
    request: async (w) => {
      const user = await freshUser(w);
      await grantUser(K(w), w.vault, user.email, "proxy");
      return { method: "DELETE", path: `/v1/vaults/${w.vault}/users/${user.id}` };
    },
  },

  "GET /v1/vaults/{vault}/services": { request: async (w) => ({ method: "GET", path: `/v1/vaults/${w.vault}/services` }) },
  "POST /v1/vaults/{vault}/services": {
    request: async (w) => {
      const name = fresh("ns");
      return { method: "POST", path: `/v1/vaults/${w.vault}/services`, body: { name, host: `${name}.example.com`, auth: { type: "passthrough" } } };
    },
  },
  "GET /v1/vaults/{vault}/services/{name}": { request: async (w) => ({ method: "GET", path: `/v1/vaults/${w.vault}/services/svc` }) },
  "PATCH /v1/vaults/{vault}/services/{name}": {
    request: async (w) => ({ method: "PATCH", path: `/v1/vaults/${w.vault}/services/${await freshService(w)}`, body: { description: "changed" } }),
  },
  "DELETE /v1/vaults/{vault}/services/{name}": {
    request: async (w) => ({ method: "DELETE", path: `/v1/vaults/${w.vault}/services/${await freshService(w)}` }),
  },

  "POST /v1/credentials": {
    request: async (w) => ({ method: "POST", path: "/v1/credentials", body: { vault: w.vault, credentials: { PROBE_KEY: "probe-value" } } }),
  },
  "GET /v1/credentials": { request: async (w) => ({ method: "GET", path: `/v1/credentials?vault=${w.vault}` }) },
  "DELETE /v1/credentials": {
    request: async (w) => {
      const key = `DEL_${crypto.randomUUID().replace(/-/g, "").slice(0, 10).toUpperCase()}`;
      await must("credential", call("POST", "/v1/credentials", { token: K(w), body: { vault: w.vault, credentials: { [key]: "x" } } }));
      return { method: "DELETE", path: "/v1/credentials", body: { vault: w.vault, keys: [key] } };
    },
  },

  "GET /v1/audit": { request: async () => ({ method: "GET", path: "/v1/audit" }) },

  "POST /v1/realms": { request: async () => ({ method: "POST", path: "/v1/realms", body: { name: fresh("Realm") } }) },
  "GET /v1/realms": { request: async () => ({ method: "GET", path: "/v1/realms" }) },
  "PATCH /v1/realms/{realm}": {
    request: async (w) => {
      const realm = await must("realm", call("POST", "/v1/realms", { token: K(w), body: { name: fresh("Realm") } }), 201);
      return { method: "PATCH", path: `/v1/realms/${(realm.body.realm as { id: string }).id}`, body: { name: "Renamed" } };
    },
  },
  "DELETE /v1/realms/{realm}": {
    request: async (w) => {
      const realm = await must("realm", call("POST", "/v1/realms", { token: K(w), body: { name: fresh("Realm") } }), 201);
      return { method: "DELETE", path: `/v1/realms/${(realm.body.realm as { id: string }).id}` };
    },
  },

  "GET /v1/agents": { request: async () => ({ method: "GET", path: "/v1/agents" }) },
  "POST /v1/agents/register": { request: async () => ({ method: "POST", path: "/v1/agents/register", body: { agentId: fresh("vane") } }) },
  "GET /v1/agents/{agentId}": {
    request: async (w, who) => ({ method: "GET", path: `/v1/agents/${selfOr(w, who)}` }),
    other: async (w) => ({ method: "GET", path: `/v1/agents/${w.raiser.name}` }),
  },
  "PATCH /v1/agents/{agentId}": {
    request: async (w) => ({ method: "PATCH", path: `/v1/agents/${await freshAgent(w)}`, body: { capabilities: ["api_call"] } }),
  },
  "DELETE /v1/agents/{agentId}": { request: async (w) => ({ method: "DELETE", path: `/v1/agents/${await freshAgent(w)}` }) },
  "GET /v1/agents/{agentId}/svid": {
    request: async (w, who) => ({ method: "GET", path: `/v1/agents/${selfOr(w, who)}/svid` }),
    other: async (w) => ({ method: "GET", path: `/v1/agents/${w.raiser.name}/svid` }),
  },
  "POST /v1/agents/{agentId}/rotate": { request: async (w) => ({ method: "POST", path: `/v1/agents/${await freshAgent(w)}/rotate` }) },
  "GET /v1/agents/channel": { request: async () => ({ method: "GET", path: "/v1/agents/channel", headers: { Upgrade: "websocket" } }) },

  ...PASSPORT_PROBES,

  "POST /v1/agents/invites": { request: async () => ({ method: "POST", path: "/v1/agents/invites", body: { name: fresh("inv") } }) },
  "GET /v1/agents/invites": { request: async () => ({ method: "GET", path: "/v1/agents/invites" }) },
  "DELETE /v1/agents/invites/{suffix}": {
    // One's own invite where the caller may invite (members revoke only their own); else the key's.
    request: async (w, who) => {
      const inviter = own(w, who) && ["company_key", "owner", "member", "owner_agent"].includes(who.column) ? who.token : K(w);
      const invite = await must("invite", call("POST", "/v1/agents/invites", { token: inviter, body: { name: fresh("inv") } }), 201);
      return { method: "DELETE", path: `/v1/agents/invites/${invite.body.token_suffix as string}` };
    },
  },

  "GET /api/agents": { request: async () => ({ method: "GET", path: "/api/agents?q=&unknown=1&pageSize=500" }) },
  "GET /api/agents/{id}": {
    request: async (w, who) => ({ method: "GET", path: `/api/agents/${selfOr(w, who)}` }),
    other: async (w) => ({ method: "GET", path: `/api/agents/${w.raiser.name}` }),
  },
  "GET /api/registrations": { request: async () => ({ method: "GET", path: "/api/registrations" }) },
  "POST /api/registrations/{id}/approve": {
    request: async (w) => ({ method: "POST", path: `/api/registrations/${await freshRegistration(w)}/approve`, body: { capabilities: [] } }),
  },
  "POST /api/registrations/{id}/reject": {
    request: async (w) => ({ method: "POST", path: `/api/registrations/${await freshRegistration(w)}/reject`, body: { reason: "probe" } }),
  },

  "GET /v1/registrations": { request: async () => ({ method: "GET", path: "/v1/registrations" }) },
  "POST /v1/registrations/{id}/approve": {
    request: async (w) => ({ method: "POST", path: `/v1/registrations/${await freshRegistration(w)}/approve`, body: { capabilities: [] } }),
  },
  "POST /v1/registrations/{id}/reject": {
    request: async (w) => ({ method: "POST", path: `/v1/registrations/${await freshRegistration(w)}/reject`, body: { reason: "probe" } }),
  },

  "GET /v1/company/identity": { request: async () => ({ method: "GET", path: "/v1/company/identity" }) },
  "PATCH /v1/company/identity": { request: async () => ({ method: "PATCH", path: "/v1/company/identity", body: { signing_alg: "EdDSA" } }) },
  "POST /v1/company/signing-keys/rotate": { request: async () => ({ method: "POST", path: "/v1/company/signing-keys/rotate?force=true" }) },

  "GET /v1/vaults/{vault}/agents": { request: async (w) => ({ method: "GET", path: `/v1/vaults/${w.vault}/agents` }) },
  "POST /v1/vaults/{vault}/agents": {
    request: async (w) => ({ method: "POST", path: `/v1/vaults/${w.vault}/agents`, body: { agent: await freshAgent(w), role: "proxy" } }),
  },
  "PATCH /v1/vaults/{vault}/agents/{agent}": {
    request: async (w) => {
      const agent = await freshAgent(w);
      await must("grant", call("POST", `/v1/vaults/${w.vault}/agents`, { token: K(w), body: { agent, role: "proxy" } }));
      return { method: "PATCH", path: `/v1/vaults/${w.vault}/agents/${agent}`, body: { role: "member" } };
    },
  },
  "DELETE /v1/vaults/{vault}/agents/{agent}": {
    request: async (w) => {
      const agent = await freshAgent(w);
      await must("grant", call("POST", `/v1/vaults/${w.vault}/agents`, { token: K(w), body: { agent, role: "proxy" } }));
      return { method: "DELETE", path: `/v1/vaults/${w.vault}/agents/${agent}` };
    },
  },

  "POST /v1/sessions": { request: async (w) => ({ method: "POST", path: "/v1/sessions", body: { vault: w.vault, ttl_seconds: 600 } }) },
  "GET /v1/sessions": { request: async (w) => ({ method: "GET", path: `/v1/sessions?vault=${w.vault}` }) },
  "DELETE /v1/sessions/{id}": {
    // One's own session: the session itself (a spare one), or one the caller mints; proxy-role callers cannot mint,
    // so they are aimed at someone else's, which only admins may revoke.
    request: async (w, who) => {
      if (who.kind === "session" && own(w, who)) {
        const spare = await who.spareToken();
        const whoami = await call("GET", "/v1/whoami", { token: spare });
        return { method: "DELETE", path: `/v1/sessions/${whoami.body.id as string}`, token: spare };
      }
      const mine = own(w, who) && (who.role === "member" || who.role === "admin") ? await mintSession(who.token, w.vault) : undefined;
      const target = mine ?? (await mintSession(w.minter.token, w.vault));
      return { method: "DELETE", path: `/v1/sessions/${target.id}` };
    },
    expect: (w, who, cell) => (cell !== "deny" && own(w, who) && who.role === "proxy" && who.kind !== "session" ? "refuse" : undefined),
  },

  "GET /v1/vaults/{vault}/logs": { request: async (w) => ({ method: "GET", path: `/v1/vaults/${w.vault}/logs` }) },
  "POST /v1/vaults/{vault}/webhooks": {
    request: async (w) => ({ method: "POST", path: `/v1/vaults/${w.vault}/webhooks`, body: { url: "https://hooks.example.com/probe" } }),
  },
  "GET /v1/vaults/{vault}/webhooks": { request: async (w) => ({ method: "GET", path: `/v1/vaults/${w.vault}/webhooks` }) },
  "DELETE /v1/vaults/{vault}/webhooks/{id}": {
    request: async (w) => {
      // Stay under 10 webhooks per vault however many callers this probe serves.
      await env.DB.prepare("DELETE FROM webhooks WHERE vault_id = ?").bind(w.vaultId).run();
      const hook = await must(
        "webhook",
        call("POST", `/v1/vaults/${w.vault}/webhooks`, { token: K(w), body: { url: "https://hooks.example.com/probe" } }),
        201,
      );
      return { method: "DELETE", path: `/v1/vaults/${w.vault}/webhooks/${(hook.body.webhook as { id: string } | undefined)?.id ?? (hook.body.id as string)}` };
    },
  },

  "GET /discover": { request: async (w, who) => ({ method: "GET", path: "/discover", headers: xVault(w, who) }) },
  "POST /v1/proposals": {
    request: async (w, who) => ({
      method: "POST",
      path: "/v1/proposals",
      headers: xVault(w, who),
      body: { credentials: [{ key: "PROBE_SLOT" }], message: "probe" },
    }),
  },
  "GET /v1/proposals": { request: async (w, who) => ({ method: "GET", path: "/v1/proposals", headers: xVault(w, who) }) },
  "GET /v1/proposals/{id}": {
    // One's own proposal when the caller can raise one; otherwise the raiser's, which it must not read.
    request: async (w, who) => {
      if (!canRaise(w, who)) return { method: "GET", path: `/v1/proposals/${await freshProposal(w)}` };
      const own = await must(
        "raise",
        call("POST", "/v1/proposals", { token: who.token, headers: xVault(w, who), body: { credentials: [{ key: "OWN_SLOT" }], message: "own" } }),
        201,
      );
      return { method: "GET", path: `/v1/proposals/${own.body.id as string}` };
    },
  },
  "POST /v1/proposals/{id}/approve": {
    request: async (w) => {
      const id = await freshProposal(w);
      return { method: "POST", path: `/v1/proposals/${id}/approve`, body: { credentials: { [await keyOf(w, id)]: "approved-value" } } };
    },
  },
  "POST /v1/proposals/{id}/reject": {
    request: async (w) => ({ method: "POST", path: `/v1/proposals/${await freshProposal(w)}/reject`, body: { reason: "probe" } }),
  },

  "GET /proxy/{host}/{path}": proxyProbe("GET"),
  "HEAD /proxy/{host}/{path}": proxyProbe("HEAD"),
  "OPTIONS /proxy/{host}/{path}": proxyProbe("OPTIONS"),
  "POST /proxy/{host}/{path}": proxyProbe("POST"),
  "PUT /proxy/{host}/{path}": proxyProbe("PUT"),
  "PATCH /proxy/{host}/{path}": proxyProbe("PATCH"),
  "DELETE /proxy/{host}/{path}": proxyProbe("DELETE"),

  ...REQUEST_PROBES,
};

let registrationAddress = 0;
/** A pending self-registration (each from its own client address, under the per-address throttle). */
async function freshRegistration(w: World): Promise<string> {
  registrationAddress += 1;
  const res = await must(
    "registration",
    call("POST", `/v1/companies/${w.company.id}/agents/register`, {
      headers: { "CF-Connecting-IP": `198.18.${registrationAddress >> 8}.${registrationAddress & 255}` },
      body: { name: fresh("reg"), capabilities: ["api_call"] },
    }),
    201,
  );
  return res.body.registrationId as string;
}

/** Keeps the world under the per-vault and per-company limits (20 pending proposals, 50 invites, 10 webhooks). */
export async function tidy(w: World): Promise<void> {
  await env.DB.batch([
    env.DB.prepare("UPDATE proposals SET status = 'expired' WHERE company_id = ? AND status = 'pending'").bind(w.company.id),
    env.DB.prepare("UPDATE invites SET revoked_at = ? WHERE company_id = ? AND used_at IS NULL AND revoked_at IS NULL").bind(Date.now(), w.company.id),
    env.DB.prepare("DELETE FROM webhooks WHERE company_id = ?").bind(w.company.id),
  ]);
}

/** Public operations, sent without a token as a first-time caller would: each must succeed. */
export const PUBLIC_PROBES: Record<string, (w: World) => Promise<ProbeRequest>> = {
  ...CLI_LOGIN_PUBLIC_PROBES,
  "GET /health": async () => ({ method: "GET", path: "/health" }),
  "GET /skill.md": async () => ({ method: "GET", path: "/skill.md" }),
  "POST /v1/auth/sign-in": async (w) => {
    const email = `${fresh("public")}@example.com`;
    await must("user", call("POST", "/v1/users", { token: K(w), body: { email, role: "member", password: "correct horse battery staple" } }), 201);
    return { method: "POST", path: "/v1/auth/sign-in", body: { email, password: "correct horse battery staple" } };
  },
  "POST /v1/users/accept": async (w) => {
    const invited = await must("invite", call("POST", "/v1/users", { token: K(w), body: { email: `${fresh("invited")}@example.com` } }), 201);
    return {
      method: "POST",
      path: "/v1/users/accept",
      body: { token: (invited.body.invite as { token: string }).token, password: "correct horse battery staple" },
    };
  },
  "POST /v1/companies/{companyId}/agents/register": async (w) => ({
    method: "POST",
    path: `/v1/companies/${w.company.id}/agents/register`,
    headers: { "CF-Connecting-IP": "198.19.0.1" },
    body: { name: fresh("selfreg"), capabilities: ["api_call"] },
  }),
  "GET /v1/companies/{companyId}/agents/channel": async (w) => ({
    method: "GET",
    path: `/v1/companies/${w.company.id}/agents/channel`,
    headers: { Upgrade: "websocket", "CF-Connecting-IP": "198.19.0.4" },
  }),
  "POST /api/agents/register": async (w) => ({
    method: "POST",
    path: `http://${w.company.id}.localhost/api/agents/register`,
    headers: { "CF-Connecting-IP": "198.19.0.3" },
    body: { name: fresh("vaultys"), capabilities: ["api_call"] },
  }),
  "POST /v1/registrations/claim": async (w) => {
    const registered = await must(
      "registration",
      call("POST", `/v1/companies/${w.company.id}/agents/register`, {
        headers: { "CF-Connecting-IP": "198.19.0.2" },
        body: { name: fresh("claimer"), capabilities: [] },
      }),
      201,
    );
    return { method: "POST", path: "/v1/registrations/claim", body: { claim_token: registered.body.claim_token as string } };
  },
  "GET /v1/companies/{companyId}/jwks.json": async (w) => ({ method: "GET", path: `/v1/companies/${w.company.id}/jwks.json` }),
  "GET /v1/companies/{companyId}/spiffe-bundle": async (w) => ({ method: "GET", path: `/v1/companies/${w.company.id}/spiffe-bundle` }),
  "POST /v1/token/exchange": async (w) => {
    const agent = w.instances.find((i) => i.label === "agent@member");
    const svid = await must("svid", call("GET", `/v1/agents/${agent?.name ?? ""}/svid`, { token: agent?.token }));
    const form = new URLSearchParams({
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      subject_token: svid.body.svid as string,
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
      audience: "public-probe",
    });
    return { method: "POST", path: "/v1/token/exchange", rawBody: form.toString(), headers: { "Content-Type": "application/x-www-form-urlencoded" } };
  },
  "POST /invite/{token}": async (w) => {
    const invite = await must("invite", call("POST", "/v1/agents/invites", { token: K(w), body: { name: fresh("redeem") } }), 201);
    return { method: "POST", path: new URL(invite.body.invite_url as string).pathname };
  },
};
