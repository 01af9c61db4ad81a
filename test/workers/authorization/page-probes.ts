/**
 * One well-formed request per web page of the edge (the table's `page` rows), as a browser of
 * the given principal would send it: a person with their cookie session and its CSRF token,
 * anyone else presenting their token as the session cookie (which no page accepts). Writes go
 * to fresh resources and carry `confirm=yes`, so every probe can run as every principal in any
 * order. A page row without a probe fails the page matrix (authorization.spec.ts).
 */
import { env } from "cloudflare:test";
import { call, createVault, inviteAgent, unique } from "../helpers.ts";
import { type Browser, getPage, type PageAnswer, PASSWORD, postForm, signInCookie } from "../pages-support.ts";
import { REQUEST_PAGE_PROBES } from "./request-probes.ts";
import { SSO_PAGE_PROBES, SSO_PUBLIC_PAGE_PROBES } from "./sso-probes.ts";
import { CLI_LOGIN_PAGE_PROBES } from "./cli-login-probes.ts";
import { OAUTH_PAGE_PROBES, OAUTH_PUBLIC_PAGE_PROBES } from "./oauth-probes.ts";
import { grantUser, type Instance, type World } from "./world.ts";

/** `cookie`: one a browser already holds for the edge (a sign-in's flow cookie), sent with a GET by a visitor without a session. */
export type PageRequest = { method: "GET" | "POST"; path: string; fields?: Record<string, string | string[]>; cookie?: string };
export type Outcome = "allow" | "refuse";

export type PageProbe = {
  request(w: World, who: Instance): Promise<PageRequest>;
  /** When the answer alone cannot say (sign-out always lands on the sign-in page), how to judge it. */
  judge?(res: PageAnswer, as: Browser | undefined, who: Instance): Promise<Outcome>;
  /** When the cell alone cannot say (members revoke only their own invites), what this caller should get. */
  expect?(w: World, who: Instance): Outcome | undefined;
};

const K = (w: World) => w.company.ownerKey;
const fresh = (prefix: string) => unique(prefix).slice(0, 40);
const isPerson = (who: Instance) => who.column === "owner" || who.column === "member";

async function must<T extends { status: number; text: string }>(what: string, res: Promise<T>, status = 200): Promise<T> {
  const done = await res;
  if (done.status !== status) throw new Error(`${what}: ${done.status} ${done.text}`);
  return done;
}

const cookies = new Map<string, Browser>();
/** A person's cookie session (signed in once per person and reused); undefined for everyone else. */
export async function browserOf(who: Instance, spare = false): Promise<Browser | undefined> {
  if (!isPerson(who)) return undefined;
  if (spare) return signInCookie(who.name, PASSWORD);
  const known = cookies.get(who.name);
  if (known) return known;
  const made = await signInCookie(who.name, PASSWORD);
  cookies.set(who.name, made);
  return made;
}

/** Sends a page request as `who`: a person with their cookie, anyone else with their token where the cookie goes. */
export async function sendPage(req: PageRequest, who: Instance | undefined, as: Browser | undefined): Promise<PageAnswer> {
  if (req.method === "GET") return getPage(req.path, as ?? (who ? { rawCookie: who.token } : req.cookie ? { cookie: req.cookie, csrf: "" } : undefined));
  if (as) return postForm(req.path, as, req.fields);
  // Not a person: the token presented as the session cookie, with a CSRF field it cannot have.
  const forged = who ? { cookie: `edgevault_session=${who.token}`, csrf: "none" } : undefined;
  return postForm(req.path, forged, req.fields);
}

/** 2xx, or a redirect anywhere but the sign-in page, is allowed; 401/403/404 or "sign in first" is refused. */
export function outcomeOf(res: PageAnswer): Outcome | `status ${number}` {
  if (res.status >= 200 && res.status < 300) return "allow";
  if (res.status === 303) return res.location?.startsWith("/sign-in") ? "refuse" : "allow";
  if (res.status === 401 || res.status === 403 || res.status === 404) return "refuse";
  return `status ${res.status}`;
}

async function freshAgent(w: World): Promise<string> {
  return (await inviteAgent(K(w), fresh("pga"))).name;
}

async function freshUser(w: World): Promise<{ id: string; email: string }> {
  const email = `${unique("pgu")}@example.com`;
  const res = await must("user", call("POST", "/v1/users", { token: K(w), body: { email, role: "member", password: PASSWORD } }), 201);
  return { id: (res.body.user as { id: string }).id, email };
}

async function freshProposal(w: World): Promise<string> {
  // One raiser holds at most 10 pending proposals: retire the earlier probes' ones.
  await env.DB.prepare("UPDATE proposals SET status = 'expired' WHERE vault_id = ? AND status = 'pending'").bind(w.vaultId).run();
  const key = `PG_${crypto.randomUUID().replace(/-/g, "").slice(0, 10).toUpperCase()}`;
  const res = await must(
    "proposal",
    call("POST", "/v1/proposals", { token: w.raiser.token, headers: { "X-Vault": w.vault }, body: { credentials: [{ key }], message: "page probe" } }),
    201,
  );
  return res.body.id as string;
}

let registrationAddress = 0;
async function freshRegistration(w: World): Promise<string> {
  registrationAddress += 1;
  const res = await must(
    "registration",
    call("POST", `/v1/companies/${w.company.id}/agents/register`, {
      headers: { "CF-Connecting-IP": `198.20.${registrationAddress >> 8}.${registrationAddress & 255}` },
      body: { name: fresh("pgreg"), capabilities: ["api_call"] },
    }),
    201,
  );
  return res.body.registrationId as string;
}

async function freshService(w: World): Promise<string> {
  const name = fresh("pgs");
  await must(
    "service",
    call("POST", `/v1/vaults/${w.vault}/services`, { token: K(w), body: { name, host: `${name}.example.com`, auth: { type: "passthrough" } } }),
    201,
  );
  return name;
}

async function freshWebhook(w: World): Promise<string> {
  await env.DB.prepare("DELETE FROM webhooks WHERE vault_id = ?").bind(w.vaultId).run();
  const hook = await must("webhook", call("POST", `/v1/vaults/${w.vault}/webhooks`, { token: K(w), body: { url: "https://hooks.example.com/pg" } }), 201);
  return hook.body.id as string;
}

/** A new vault in which a person holds the same role as in the world's vault (owners: admin of all). */
async function freshVault(w: World, who: Instance): Promise<string> {
  const vault = await createVault(K(w), fresh("pgv"));
  if (who.column === "member" && who.role) await grantUser(K(w), vault, who.name, who.role);
  return vault;
}

/** A fresh person or agent holding `proxy` in the world's vault, for role moves any admin may make. */
async function grantedUser(w: World): Promise<string> {
  const user = await freshUser(w);
  await grantUser(K(w), w.vault, user.email, "proxy");
  return user.id;
}

async function grantedAgent(w: World): Promise<string> {
  const agent = await freshAgent(w);
  await must("grant agent", call("POST", `/v1/vaults/${w.vault}/agents`, { token: K(w), body: { agent, role: "proxy" } }));
  return agent;
}

async function userInvite(w: World): Promise<string> {
  const invited = await must("invite", call("POST", "/v1/users", { token: K(w), body: { email: `${unique("pginv")}@example.com` } }), 201);
  return (invited.body.invite as { token: string }).token;
}

export const PAGE_PROBES: Record<string, PageProbe> = {
  "POST /sign-out": {
    request: async () => ({ method: "POST", path: "/sign-out" }),
    // Signing out always lands on the sign-in page: allowed means the session really ended.
    judge: async (_res, as, who) => {
      if (!as || !isPerson(who)) return "refuse";
      const after = await getPage("/inbox", as);
      return after.status === 303 && after.location?.startsWith("/sign-in") ? "allow" : "refuse";
    },
  },
  "GET /inbox": { request: async () => ({ method: "GET", path: "/inbox" }) },
  "GET /approve/{id}": { request: async (w) => ({ method: "GET", path: `/approve/${await freshProposal(w)}` }) },
  "POST /approve/{id}": {
    request: async (w) => ({ method: "POST", path: `/approve/${await freshProposal(w)}`, fields: { action: "reject", reason: "page probe" } }),
  },

  "GET /agents": { request: async () => ({ method: "GET", path: "/agents?q=&online=&capabilities=api_call" }) },
  "GET /agents/{name}": { request: async (w) => ({ method: "GET", path: `/agents/${w.raiser.name}` }) },
  "POST /agents/{name}/rotate": { request: async (w) => ({ method: "POST", path: `/agents/${await freshAgent(w)}/rotate`, fields: { confirm: "yes" } }) },
  "POST /agents/{name}/status": {
    request: async (w) => ({ method: "POST", path: `/agents/${await freshAgent(w)}/status`, fields: { status: "disabled", confirm: "yes" } }),
  },
  "POST /agents/{name}/edit": {
    request: async (w) => ({ method: "POST", path: `/agents/${await freshAgent(w)}/edit`, fields: { role: "member", capabilities: ["api_call"] } }),
  },
  "POST /agents/{name}/delete": { request: async (w) => ({ method: "POST", path: `/agents/${await freshAgent(w)}/delete`, fields: { confirm: "yes" } }) },

  "GET /agent-invites": { request: async () => ({ method: "GET", path: "/agent-invites" }) },
  "POST /agent-invites": {
    request: async () => ({ method: "POST", path: "/agent-invites", fields: { name: fresh("pginv"), role: "member", ttl_seconds: "900", confirm: "yes" } }),
  },
  "POST /agent-invites/{suffix}/revoke": {
    // One's own invite for a person (members revoke only theirs); the key's for everyone else.
    request: async (w, who) => {
      const inviter = isPerson(who) && w.instances.includes(who) ? who.token : K(w);
      const invite = await must("invite", call("POST", "/v1/agents/invites", { token: inviter, body: { name: fresh("pginv") } }), 201);
      return { method: "POST", path: `/agent-invites/${invite.body.token_suffix as string}/revoke` };
    },
  },

  "GET /registrations": { request: async () => ({ method: "GET", path: "/registrations" }) },
  "POST /registrations/{id}/approve": {
    request: async (w) => ({ method: "POST", path: `/registrations/${await freshRegistration(w)}/approve`, fields: { capabilities: ["api_call"] } }),
  },
  "POST /registrations/{id}/reject": {
    request: async (w) => ({ method: "POST", path: `/registrations/${await freshRegistration(w)}/reject`, fields: { reason: "page probe" } }),
  },

  "GET /vaults": { request: async () => ({ method: "GET", path: "/vaults" }) },
  "POST /vaults": { request: async () => ({ method: "POST", path: "/vaults", fields: { name: fresh("pgnv"), unmatched_host_policy: "deny" } }) },
  "GET /vaults/{vault}": { request: async (w) => ({ method: "GET", path: `/vaults/${w.vault}` }) },
  "POST /vaults/{vault}/delete": {
    request: async (w, who) => ({ method: "POST", path: `/vaults/${await freshVault(w, who)}/delete`, fields: { confirm: "yes" } }),
  },
  "POST /vaults/{vault}/users": {
    request: async (w) => ({ method: "POST", path: `/vaults/${w.vault}/users`, fields: { email: (await freshUser(w)).email, role: "proxy" } }),
  },
  "POST /vaults/{vault}/users/{userId}/role": {
    request: async (w) => ({ method: "POST", path: `/vaults/${w.vault}/users/${await grantedUser(w)}/role`, fields: { role: "member" } }),
  },
  "POST /vaults/{vault}/users/{userId}/delete": {
    request: async (w) => ({ method: "POST", path: `/vaults/${w.vault}/users/${await grantedUser(w)}/delete`, fields: { confirm: "yes" } }),
  },
  "POST /vaults/{vault}/agents/{agent}/role": {
    request: async (w) => ({ method: "POST", path: `/vaults/${w.vault}/agents/${await grantedAgent(w)}/role`, fields: { role: "member" } }),
  },
  "POST /vaults/{vault}/agents/{agent}/delete": {
    request: async (w) => ({ method: "POST", path: `/vaults/${w.vault}/agents/${await grantedAgent(w)}/delete`, fields: { confirm: "yes" } }),
  },
  "POST /vaults/{vault}/settings": {
    request: async (w) => ({ method: "POST", path: `/vaults/${w.vault}/settings`, fields: { unmatched_host_policy: "passthrough" } }),
  },
  "POST /vaults/{vault}/services": {
    request: async (w) => {
      const name = fresh("pgn");
      return { method: "POST", path: `/vaults/${w.vault}/services`, fields: { name, host: `${name}.example.com`, auth_type: "passthrough", enabled: "on" } };
    },
  },
  "GET /vaults/{vault}/services/{name}": { request: async (w) => ({ method: "GET", path: `/vaults/${w.vault}/services/svc` }) },
  "POST /vaults/{vault}/services/{name}": {
    request: async (w) => ({ method: "POST", path: `/vaults/${w.vault}/services/${await freshService(w)}`, fields: { intent: "disable" } }),
  },
  "POST /vaults/{vault}/services/{name}/delete": {
    request: async (w) => ({ method: "POST", path: `/vaults/${w.vault}/services/${await freshService(w)}/delete`, fields: { confirm: "yes" } }),
  },
  "POST /vaults/{vault}/credentials": {
    request: async (w) => ({ method: "POST", path: `/vaults/${w.vault}/credentials`, fields: { key: "PAGE_PROBE_KEY", value: "page-probe-value" } }),
  },
  "POST /vaults/{vault}/webhooks": {
    request: async (w) => {
      await env.DB.prepare("DELETE FROM webhooks WHERE vault_id = ?").bind(w.vaultId).run();
      return { method: "POST", path: `/vaults/${w.vault}/webhooks`, fields: { url: "https://hooks.example.com/pg", events: ["proposal.created"] } };
    },
  },
  "POST /vaults/{vault}/webhooks/{id}/delete": {
    request: async (w) => ({ method: "POST", path: `/vaults/${w.vault}/webhooks/${await freshWebhook(w)}/delete`, fields: { confirm: "yes" } }),
  },
  "GET /vaults/{vault}/traffic": { request: async (w) => ({ method: "GET", path: `/vaults/${w.vault}/traffic?range=1h` }) },

  "GET /users": { request: async () => ({ method: "GET", path: "/users" }) },
  "POST /users": { request: async () => ({ method: "POST", path: "/users", fields: { email: `${unique("pgnew")}@example.com`, role: "member" } }) },
  "POST /users/{id}/role": { request: async (w) => ({ method: "POST", path: `/users/${(await freshUser(w)).id}/role`, fields: { role: "owner" } }) },
  "POST /users/{id}/delete": { request: async (w) => ({ method: "POST", path: `/users/${(await freshUser(w)).id}/delete`, fields: { confirm: "yes" } }) },

  "GET /api-keys": { request: async () => ({ method: "GET", path: "/api-keys" }) },
  "POST /api-keys": { request: async () => ({ method: "POST", path: "/api-keys", fields: { label: "page probe" } }) },
  "POST /api-keys/{id}/revoke": {
    request: async (w) => {
      const key = await must("key", call("POST", "/v1/api-keys", { token: K(w), body: { label: "spare" } }), 201);
      return { method: "POST", path: `/api-keys/${key.body.id as string}/revoke`, fields: { confirm: "yes" } };
    },
  },
  "GET /audit": { request: async () => ({ method: "GET", path: "/audit?action=vault.create" }) },

  ...REQUEST_PAGE_PROBES,
  ...SSO_PAGE_PROBES,
  ...CLI_LOGIN_PAGE_PROBES,
  ...OAUTH_PAGE_PROBES,
};

/** Public pages, opened without a session as a first-time visitor would: each must succeed. */
export const PUBLIC_PAGE_PROBES: Record<string, (w: World) => Promise<PageRequest>> = {
  "GET /sign-in": async () => ({ method: "GET", path: "/sign-in?next=/vaults" }),
  "POST /sign-in": async (w) => ({ method: "POST", path: "/sign-in", fields: { email: (await freshUser(w)).email, password: PASSWORD, next: "/vaults" } }),
  "GET /accept/{token}": async (w) => ({ method: "GET", path: `/accept/${await userInvite(w)}` }),
  "POST /accept/{token}": async (w) => ({ method: "POST", path: `/accept/${await userInvite(w)}`, fields: { password: PASSWORD, password_again: PASSWORD } }),
  ...SSO_PUBLIC_PAGE_PROBES,
  ...OAUTH_PUBLIC_PAGE_PROBES,
};
