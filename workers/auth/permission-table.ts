/**
 * Who may do what: the one permission table. Every operation of the edge (each `/openapi.json`
 * operation, the proxy and the web pages) is a row; every principal kind is a column. The
 * authorization gate (auth/gate.ts) enforces a row before the route's input is even read, the
 * vault checks read their minimum role from it, docs/security.md shows it (rendered by
 * `npm run docs:security`), and the permission-matrix test checks every cell against the running
 * edge. A route that is not classified here cannot be declared (auth/secured-route.ts throws).
 *
 * Cells: `allow`; `deny` (403 before anything is read); a vault role (`proxy < member < admin`:
 * needed in the vault the request addresses; company owners and API keys are admins of every
 * vault, a vault session acts as `proxy` in its own vault, bounded by its minter's current role);
 * `self` (only about the caller itself). A public row may also say how a caller who presents a
 * token anyway is held (`withToken`): the gate then authenticates it and holds it to those cells.
 */
import type { VaultRole } from "../db/schema.ts";
import type { ErrorCode } from "../lib/error-codes.ts";

export const COLUMNS = ["company_key", "owner", "member", "owner_agent", "agent", "session"] as const;
export type Column = (typeof COLUMNS)[number];

export const COLUMN_TITLES: Record<Column, string> = {
  company_key: "API key",
  owner: "owner (human)",
  member: "member (human)",
  owner_agent: "owner agent",
  agent: "member agent",
  session: "vault session",
};

export type Cell = "allow" | "deny" | "self" | VaultRole;
export type Cells = Record<Column, Cell>;
/** Where the operation lives: the JSON API (in /openapi.json), the proxy, or a web page. */
export type Surface = "api" | "proxy" | "page";

/** A row's own 403 for the callers it refuses, instead of the generic `forbidden`. */
export type Refusal = { code: ErrorCode; message: string };

/** A console page names the API operation it mirrors: a person's cells (or its public access) are that operation's. */
type Mirrors = { mirrors?: string };

/** A public row's cells for callers who present a token: authenticated (a wrong one is 401) and held to them. */
type WithToken = { withToken?: { cells: Cells; refusal?: Refusal } };

export type Rule =
  | ({ access: "public"; surface: Surface; note?: string } & Mirrors & WithToken)
  | { access: "platform"; surface: Surface; note?: string }
  | ({ access: "principal"; surface: Surface; cells: Cells; note?: string; refusal?: Refusal } & Mirrors);

const NOBODY: Cells = { company_key: "deny", owner: "deny", member: "deny", owner_agent: "deny", agent: "deny", session: "deny" };

/** Only the named columns; everyone else is refused. */
const only = (cells: Partial<Cells>, extra: { note?: string; refusal?: Refusal; surface?: Surface } = {}): Rule => ({
  access: "principal",
  surface: extra.surface ?? "api",
  cells: { ...NOBODY, ...cells },
  ...(extra.note ? { note: extra.note } : {}),
  ...(extra.refusal ? { refusal: extra.refusal } : {}),
});

/** Anyone of the company. */
const everyone = (note?: string): Rule =>
  only({ company_key: "allow", owner: "allow", member: "allow", owner_agent: "allow", agent: "allow", session: "allow" }, { note });

/**
 * A role in the addressed vault, for every kind of principal that can hold it. Sessions act as
 * `proxy`, so they are refused anything that needs more; `except` refuses kinds outright.
 */
const inVault = (role: VaultRole, options: { except?: Column[]; note?: string; surface?: Surface; refusal?: Refusal } = {}): Rule => {
  const cells: Cells = { company_key: role, owner: role, member: role, owner_agent: role, agent: role, session: role === "proxy" ? "proxy" : "deny" };
  for (const column of options.except ?? []) cells[column] = "deny";
  return {
    access: "principal",
    surface: options.surface ?? "api",
    cells,
    ...(options.note ? { note: options.note } : {}),
    ...(options.refusal ? { refusal: options.refusal } : {}),
  };
};

/**
 * Minting a vault session needs this role in the vault, and a session lives only while its minter
 * still holds it: a minter removed from the vault, or lowered below it, ends the sessions it minted.
 */
export const SESSION_MINTING_ROLE: VaultRole = "member";

const PUBLIC: Rule = { access: "public", surface: "api" };
/**
 * Registering an agent: anyone may ask (an owner decides), and a token is optional. A vault
 * session never may: it is one vault's `proxy` role for one minter, not an identity that asks
 * for agents (registration-attempts.ts throttles everyone else).
 */
const REGISTRATION = (note: string): Rule => ({
  access: "public",
  surface: "api",
  note: `token optional (a wrong one is 401; a vault session's is refused: \`session_cannot_register\`); ${note}`,
  withToken: {
    cells: { company_key: "allow", owner: "allow", member: "allow", owner_agent: "allow", agent: "allow", session: "deny" },
    refusal: { code: "session_cannot_register", message: "A vault session cannot register agents: register with no token, or with your own" },
  },
});
const THROTTLED = "each attempt counted before the body is read: per client address (/64 for IPv6), or per principal with a token of this company";
const PLATFORM: Rule = { access: "platform", surface: "api", note: "the platform operator's token (Worker secret PLATFORM_TOKEN) only" };

const OWNERS = { company_key: "allow", owner: "allow" } as const;
/** Company-level management of agents and vaults: seed 002 gives it to owner agents too. */
const AGENT_MANAGERS = { company_key: "allow", owner: "allow", owner_agent: "allow" } as const;
/** Who may read passports' statuses and have one verified: anyone of the company but a vault session (one vault's proxy role, nothing else). */
const PASSPORT_READERS = { company_key: "allow", owner: "allow", member: "allow", owner_agent: "allow", agent: "allow" } as const;
const HUMANS_ONLY: Refusal = { code: "human_required", message: "Only a signed-in person can do this: agents, vault sessions and API keys cannot" };
const NO_AGENTS = ["owner_agent", "agent"] satisfies Column[];
/**
 * A console page (workers/pages/) that shows or does what the API operation `mirrors` does. A
 * person's cells are that operation's (a test compares them); a page takes only a person's cookie
 * session, so API keys, agents and vault sessions never get in.
 */
const consolePage = (mirrors: string, cells: Pick<Cells, "owner" | "member">, note?: string): Rule => ({
  access: "principal",
  surface: "page",
  cells: { ...NOBODY, ...cells },
  mirrors,
  ...(note ? { note } : {}),
});
const PEOPLE = { owner: "allow", member: "allow" } as const;
const OWNER_ONLY = { owner: "allow", member: "deny" } as const;
const inVaultPage = (role: VaultRole, mirrors: string, note?: string) => consolePage(mirrors, { owner: role, member: role }, note);
/**
 * The proxy forwards for agents and vault sessions with a role in the vault; the Worker refuses
 * anyone else from the token alone, and the agent's ActorGate holds it to its cell in the vault.
 */
const PROXY_ROW = (note?: string): Rule =>
  only(
    { owner_agent: "proxy", agent: "proxy", session: "proxy" },
    {
      surface: "proxy",
      note,
      refusal: {
        code: "agent_token_required",
        message: "The proxy takes an agent token or a vault session token (POST /v1/sessions, or `edgevault vault run`)",
      },
    },
  );
const DECIDE_NOTE =
  "a signed-in human, never about what they (or a session they minted) raised; admin of the vault when the proposal adds, changes or deletes a service, or asks for a value a destination no vault admin chose would receive (an agent, a session or a member chose it)";

const DECIDE_REQUEST_NOTE = "a signed-in admin of the vault, never about a request they (or a session they minted) made";
/** Held requests are people's business: agents and sessions never read or decide them. */
const REQUEST_READERS = { company_key: "admin", owner: "admin", member: "admin" } as const;
const REQUEST_DECIDERS = { owner: "admin", member: "admin" } as const;

export const PERMISSIONS = {
  "GET /health": PUBLIC,
  "GET /skill.md": { ...PUBLIC, note: "the agent skill (skills/edgevault/SKILL.md)" },
  "POST /v1/companies": PLATFORM,
  "POST /v1/platform/master-key/rotate": PLATFORM,

  "GET /v1/company": everyone(),
  "POST /v1/api-keys": only(OWNERS),
  "GET /v1/api-keys": only(OWNERS),
  "DELETE /v1/api-keys/{id}": only(OWNERS, { note: "the company's last owner credential stays" }),

  "POST /v1/auth/sign-in": PUBLIC,
  "POST /v1/auth/sign-out": only(
    { owner: "allow", member: "allow" },
    { refusal: { code: "not_a_session", message: "Only user sessions sign out; revoke API keys, rotate agent tokens, revoke vault sessions" } },
  ),
  "GET /v1/whoami": everyone(),
  "POST /v1/cli-logins": { ...PUBLIC, note: "starts `edgevault login --web`; at most 5 waiting per client address" },
  "POST /v1/cli-logins/token": { ...PUBLIC, note: "authenticated by the device code; the confirmed login's session, once" },
  "GET /v1/cli-logins/{userCode}": only({ owner: "allow", member: "allow" }, { note: "a login asked for another company is not found", refusal: HUMANS_ONLY }),
  "POST /v1/cli-logins/{userCode}/approve": only(
    { owner: "allow", member: "allow" },
    { note: "the CLI collects a session of the person who confirms", refusal: HUMANS_ONLY },
  ),
  "POST /v1/cli-logins/{userCode}/deny": only({ owner: "allow", member: "allow" }, { refusal: HUMANS_ONLY }),

  "POST /v1/users": only(OWNERS, { note: "creating or inviting a person, owner or member" }),
  "GET /v1/users": only(OWNERS),
  "POST /v1/users/accept": PUBLIC,
  "PATCH /v1/users/{id}": only(OWNERS, { note: "the company's last owner stays" }),
  "DELETE /v1/users/{id}": only(OWNERS, { note: "the company's last owner stays" }),

  "POST /v1/vaults": only({ ...AGENT_MANAGERS, member: "allow" }, { note: "a member who creates a vault becomes its admin" }),
  "GET /v1/vaults": everyone("lists only the vaults the caller has a role in"),
  "GET /v1/vaults/{vault}": inVault("proxy"),
  "PATCH /v1/vaults/{vault}": inVault("admin", { note: "an agent never sets the rate_limit override (self_change): it is its own budget" }),
  "DELETE /v1/vaults/{vault}": inVault("admin", { except: ["agent"] }),
  "GET /v1/vaults/{vault}/users": inVault("admin"),
  "POST /v1/vaults/{vault}/users": inVault("admin", { except: NO_AGENTS, note: "never above the granter's own role" }),
  "PATCH /v1/vaults/{vault}/users/{userId}": inVault("admin", { except: NO_AGENTS, note: "never above the granter's own role" }),
  "DELETE /v1/vaults/{vault}/users/{userId}": inVault("admin", { except: NO_AGENTS }),

  "GET /v1/vaults/{vault}/services": inVault("proxy"),
  "POST /v1/vaults/{vault}/services": inVault("admin"),
  "GET /v1/vaults/{vault}/services/{name}": inVault("proxy"),
  "PATCH /v1/vaults/{vault}/services/{name}": inVault("admin"),
  "DELETE /v1/vaults/{vault}/services/{name}": inVault("admin"),
  "GET /v1/oauth/providers": everyone("the provider templates: public endpoints and default scopes"),
  "POST /v1/vaults/{vault}/services/{name}/oauth/connections": inVault("admin", {
    except: [...NO_AGENTS, "session"],
    note: "a person finishes it in their browser (an agent asks one with a proposal); a client secret given is sealed until then",
  }),
  "GET /v1/vaults/{vault}/oauth/connections/{id}": inVault("admin", { except: [...NO_AGENTS, "session"] }),

  "POST /v1/credentials": inVault("member"),
  "GET /v1/credentials": inVault("proxy", { note: "names only, never values" }),
  "DELETE /v1/credentials": inVault("member"),

  "GET /v1/audit": only(OWNERS),
  "POST /v1/attest": only(
    { ...OWNERS, owner_agent: "self", agent: "self" },
    { note: "an agent attests only as itself (Vane's `attest:write`); a person owner or a key names any agent" },
  ),
  "GET /v1/chain": only(OWNERS, { note: "the audit log's events are in it" }),
  "GET /v1/chain/export": only(OWNERS),
  "GET /v1/chain/head": everyone("a size and a root, signed: nothing of a record"),
  "GET /v1/chain/consistency": everyone("hashes only"),
  "GET /v1/verify": only(OWNERS),
  "GET /v1/proof/{index}": only(OWNERS),

  "POST /v1/realms": only(AGENT_MANAGERS),
  "GET /v1/realms": only({ ...AGENT_MANAGERS, member: "allow", agent: "allow" }),
  "PATCH /v1/realms/{realm}": only(AGENT_MANAGERS),
  "DELETE /v1/realms/{realm}": only(AGENT_MANAGERS),

  "GET /v1/agents": only({ ...AGENT_MANAGERS, member: "allow" }),
  "POST /v1/agents/register": only(AGENT_MANAGERS, {
    note: "Vane's upsert; never changes an existing agent's role; a fellow owner agent only by a person owner or a key (it answers with the agent's SVID)",
  }),
  "GET /v1/agents/{agentId}": only({ ...AGENT_MANAGERS, member: "allow", agent: "self" }),
  "PATCH /v1/agents/{agentId}": only(AGENT_MANAGERS, {
    note: "an owner role only by an owner; a fellow owner agent only by a person owner or a key; passportScopes only by a person or a key",
  }),
  "DELETE /v1/agents/{agentId}": only(AGENT_MANAGERS, { note: "a fellow owner agent only by a person owner or a key" }),
  "GET /v1/agents/{agentId}/svid": only({ ...OWNERS, owner_agent: "self", agent: "self" }, { note: "an agent never signs as another agent" }),
  "POST /v1/agents/{agentId}/rotate": only(AGENT_MANAGERS, {
    note: "a fellow owner agent only by a person owner or a key (its rotation invite is its identity)",
  }),
  "GET /v1/agents/channel": only(
    { owner_agent: "allow", agent: "allow" },
    {
      note: "WebSocket: the calling agent's own channel; closed when its token ends",
      refusal: { code: "agent_required", message: "Only an agent holds a channel: people, API keys and vault sessions cannot" },
    },
  ),

  "GET /api/agents": only({ ...AGENT_MANAGERS, member: "allow" }, { note: "Vaultys' list (seed 004), as GET /v1/agents" }),
  "GET /api/agents/{id}": only({ ...AGENT_MANAGERS, member: "allow", agent: "self" }, { note: "by id, DID or name" }),

  "POST /v1/agents/invites": only(
    { ...AGENT_MANAGERS, member: "allow" },
    { note: "vault grants never above the inviter's role; an owner agent only by an owner" },
  ),
  "GET /v1/agents/invites": only({ ...AGENT_MANAGERS, member: "allow" }),
  "DELETE /v1/agents/invites/{suffix}": only({ ...AGENT_MANAGERS, member: "allow" }),
  "POST /invite/{token}": PUBLIC,

  "POST /v1/companies/{companyId}/agents/register": REGISTRATION(THROTTLED),
  "GET /v1/companies/{companyId}/agents/channel": REGISTRATION("WebSocket registration; throttled like the POST"),
  "POST /v1/registrations/claim": PUBLIC,
  "GET /v1/registrations": only(OWNERS),
  "POST /v1/registrations/{id}/approve": only(OWNERS, { note: "never an agent" }),
  "POST /v1/registrations/{id}/reject": only(OWNERS, { note: "never an agent" }),
  "POST /api/agents/register": REGISTRATION("the company is the caller's, else the host's `<company>.<BASE_DOMAIN>`; throttled as above"),
  "GET /api/registrations": only(OWNERS),
  "POST /api/registrations/{id}/approve": only(OWNERS, { note: "never an agent" }),
  "POST /api/registrations/{id}/reject": only(OWNERS, { note: "never an agent" }),

  "GET /v1/companies/{companyId}/jwks.json": PUBLIC,
  "GET /v1/companies/{companyId}/spiffe-bundle": PUBLIC,
  "GET /v1/company/identity": everyone(),
  "PATCH /v1/company/identity": only(OWNERS),
  "POST /v1/company/signing-keys/rotate": only(OWNERS),
  "GET /v1/company/sso": only(OWNERS, { note: "never the client secret" }),
  "PUT /v1/company/sso": only(OWNERS, {
    note: "the client secret is sealed and never shown again; password sign-in off only while the company holds an API key (the owners' way back)",
  }),
  "DELETE /v1/company/sso": only(OWNERS),
  "POST /v1/token/exchange": { ...PUBLIC, note: "authenticated by the subject token" },

  "POST /v1/agents/{agentId}/passport": only(
    { ...OWNERS, owner_agent: "self", agent: "self" },
    { note: "an agent only for itself and only within the passport scopes a person granted it (passportScopes); a key or an owner any scopes" },
  ),
  "POST /v1/agents/{agentId}/passport/rotate": only(
    { ...OWNERS, owner_agent: "self", agent: "self" },
    { note: "the current passport in `Counsel-Passport`; an agent's successor stays within its grant" },
  ),
  "POST /v1/passports/{jti}/revoke": only(
    { ...OWNERS, owner_agent: "allow", agent: "self" },
    { note: "an agent its own passports; a fellow owner agent's only by a person owner or a key" },
  ),
  "GET /v1/passports/revoked": only(PASSPORT_READERS),
  "GET /v1/ocsp/{jti}": only(PASSPORT_READERS, { note: "signed with the company's CA key; a verifier's own agent with no vault grants can read it" }),
  "POST /v1/passport/verify": only(PASSPORT_READERS, { note: "against the caller's company's CA key and revocation" }),

  "GET /v1/vaults/{vault}/agents": inVault("member"),
  "POST /v1/vaults/{vault}/agents": inVault("member", { note: "never above the granter's role; changing an existing grant needs admin" }),
  "PATCH /v1/vaults/{vault}/agents/{agent}": inVault("admin", { note: "never above the granter's role" }),
  "DELETE /v1/vaults/{vault}/agents/{agent}": inVault("admin"),

  "POST /v1/sessions": inVault(SESSION_MINTING_ROLE, {
    note: "bound to the minter and the credential it used; acts as proxy while the minter keeps this role",
  }),
  "GET /v1/sessions": inVault("proxy", { note: "one's own; admins see all" }),
  "DELETE /v1/sessions/{id}": inVault("proxy", { note: "one's own; admins revoke any" }),

  "GET /v1/vaults/{vault}/logs": inVault("admin"),
  "POST /v1/vaults/{vault}/webhooks": inVault("admin"),
  "GET /v1/vaults/{vault}/webhooks": inVault("admin"),
  "DELETE /v1/vaults/{vault}/webhooks/{id}": inVault("admin"),

  "GET /discover": inVault("proxy"),
  "POST /v1/proposals": inVault("proxy"),
  "GET /v1/proposals": inVault("proxy", { note: "proxy role: only what one raised" }),
  "GET /v1/proposals/{id}": inVault("proxy", { note: "one's own; member to read others'" }),
  "POST /v1/proposals/{id}/approve": only({ owner: "member", member: "member" }, { note: DECIDE_NOTE, refusal: HUMANS_ONLY }),
  "POST /v1/proposals/{id}/reject": only({ owner: "member", member: "member" }, { note: DECIDE_NOTE, refusal: HUMANS_ONLY }),

  "GET /v1/vaults/{vault}/requests": only(REQUEST_READERS, { note: "method, host and path only, never the query, headers or body" }),
  "GET /v1/requests/{id}": only(REQUEST_READERS),
  "POST /v1/requests/{id}/approve": only(REQUEST_DECIDERS, { note: DECIDE_REQUEST_NOTE, refusal: HUMANS_ONLY }),
  "POST /v1/requests/{id}/reject": only(REQUEST_DECIDERS, { note: DECIDE_REQUEST_NOTE, refusal: HUMANS_ONLY }),
  "GET /v1/vaults/{vault}/request-releases": only(REQUEST_READERS),
  "DELETE /v1/vaults/{vault}/request-releases/{id}": only(REQUEST_READERS),

  "GET /proxy/{host}/{path}": PROXY_ROW(
    "every method alike: a person's or an API key's token is refused from the token alone (`agent_token_required`); the caller's ActorGate holds its cell in the vault, in the one round trip",
  ),
  "HEAD /proxy/{host}/{path}": PROXY_ROW(),
  "OPTIONS /proxy/{host}/{path}": PROXY_ROW(),
  "POST /proxy/{host}/{path}": PROXY_ROW(),
  "PUT /proxy/{host}/{path}": PROXY_ROW(),
  "PATCH /proxy/{host}/{path}": PROXY_ROW(),
  "DELETE /proxy/{host}/{path}": PROXY_ROW(),

  "GET /sign-in": { access: "public", surface: "page" },
  "GET /cli-login": consolePage("GET /v1/cli-logins/{userCode}", PEOPLE, "the user code typed, or from ?code=; what asks, from where"),
  "POST /cli-login/approve": consolePage("POST /v1/cli-logins/{userCode}/approve", PEOPLE),
  "POST /cli-login/deny": consolePage("POST /v1/cli-logins/{userCode}/deny", PEOPLE),
  "POST /sign-in": { access: "public", surface: "page", note: "throttled per account and address" },
  "GET /sign-in/sso": { access: "public", surface: "page", note: "starts a sign-in through a company's identity provider (by e-mail domain or company)" },
  "GET /sign-in/sso/callback": {
    access: "public",
    surface: "page",
    note: "the provider's answer: finished only by the browser that started it, into the company that started it",
  },
  "GET /oauth/callback": {
    access: "public",
    surface: "page",
    note: "an OAuth provider's answer to a connect: finished once, by the browser that was sent, while the console session that sent it is live and its person a vault admin",
  },
  "POST /sign-out": only({ owner: "allow", member: "allow" }, { surface: "page" }),
  "GET /inbox": only(
    { owner: "allow", member: "allow" },
    { surface: "page", note: "pending proposals of vaults where the person is member or admin; one they may not decide is marked so, without a link" },
  ),
  "GET /approve/{id}": only({ owner: "member", member: "member" }, { surface: "page" }),
  "POST /approve/{id}": only({ owner: "member", member: "member" }, { surface: "page", note: DECIDE_NOTE }),
  "GET /requests/{id}": consolePage("GET /v1/requests/{id}", REQUEST_DECIDERS, "a held request: what it asks, who asks, until when"),
  "POST /requests/{id}/approve": consolePage("POST /v1/requests/{id}/approve", REQUEST_DECIDERS, DECIDE_REQUEST_NOTE),
  "POST /requests/{id}/reject": consolePage("POST /v1/requests/{id}/reject", REQUEST_DECIDERS, DECIDE_REQUEST_NOTE),

  // The console: each page (or form) is held to the row of the API operation it mirrors.
  "GET /agents": consolePage("GET /v1/agents", PEOPLE),
  "GET /agents/{name}": consolePage("GET /v1/agents/{agentId}", PEOPLE),
  "POST /agents/{name}/rotate": consolePage("POST /v1/agents/{agentId}/rotate", OWNER_ONLY, "after a confirmation step; the prompt is shown once"),
  "POST /agents/{name}/status": consolePage("PATCH /v1/agents/{agentId}", OWNER_ONLY, "disable or enable, after a confirmation step"),
  "POST /agents/{name}/edit": consolePage("PATCH /v1/agents/{agentId}", OWNER_ONLY, "capabilities, passport scopes, realm, company role, rate limit"),
  "POST /agents/{name}/delete": consolePage("DELETE /v1/agents/{agentId}", OWNER_ONLY, "after a confirmation step"),
  "GET /agent-invites": consolePage("GET /v1/agents/invites", PEOPLE),
  "POST /agent-invites": consolePage("POST /v1/agents/invites", PEOPLE, "after a confirmation step; the prompt is shown once"),
  "POST /agent-invites/{suffix}/revoke": consolePage("DELETE /v1/agents/invites/{suffix}", PEOPLE, "members revoke only their own"),
  "GET /registrations": consolePage("GET /v1/registrations", OWNER_ONLY),
  "POST /registrations/{id}/approve": consolePage("POST /v1/registrations/{id}/approve", OWNER_ONLY),
  "POST /registrations/{id}/reject": consolePage("POST /v1/registrations/{id}/reject", OWNER_ONLY),
  "GET /vaults": consolePage("GET /v1/vaults", PEOPLE, "lists only the vaults the person has a role in"),
  "POST /vaults": consolePage("POST /v1/vaults", PEOPLE, "a member who creates a vault becomes its admin"),
  "GET /vaults/{vault}": inVaultPage("proxy", "GET /v1/vaults/{vault}", "each section as its own API operation: members for admins, webhooks for admins"),
  "POST /vaults/{vault}/settings": inVaultPage("admin", "PATCH /v1/vaults/{vault}"),
  "POST /vaults/{vault}/delete": inVaultPage("admin", "DELETE /v1/vaults/{vault}", "after a confirmation step"),
  "POST /vaults/{vault}/users": inVaultPage("admin", "POST /v1/vaults/{vault}/users", "never above the granter's own role"),
  "POST /vaults/{vault}/users/{userId}/role": inVaultPage("admin", "PATCH /v1/vaults/{vault}/users/{userId}", "never above the granter's own role"),
  "POST /vaults/{vault}/users/{userId}/delete": inVaultPage("admin", "DELETE /v1/vaults/{vault}/users/{userId}", "after a confirmation step"),
  "POST /vaults/{vault}/agents/{agent}/role": inVaultPage("admin", "PATCH /v1/vaults/{vault}/agents/{agent}", "never above the granter's own role"),
  "POST /vaults/{vault}/agents/{agent}/delete": inVaultPage("admin", "DELETE /v1/vaults/{vault}/agents/{agent}", "after a confirmation step"),
  "POST /vaults/{vault}/services": inVaultPage("admin", "POST /v1/vaults/{vault}/services"),
  "GET /vaults/{vault}/services/{name}": inVaultPage("proxy", "GET /v1/vaults/{vault}/services/{name}"),
  "POST /vaults/{vault}/services/{name}": inVaultPage("admin", "PATCH /v1/vaults/{vault}/services/{name}", "edit, enable or disable"),
  "POST /vaults/{vault}/services/{name}/delete": inVaultPage("admin", "DELETE /v1/vaults/{vault}/services/{name}", "after a confirmation step"),
  "POST /vaults/{vault}/credentials": inVaultPage("member", "POST /v1/credentials", "replaces a value; values are never shown"),
  "POST /vaults/{vault}/services/{name}/connect": inVaultPage("admin", "POST /v1/vaults/{vault}/services/{name}/oauth/connections", '"Connect <provider>"'),
  "GET /vaults/{vault}/oauth/{id}": inVaultPage("admin", "GET /v1/vaults/{vault}/oauth/connections/{id}", "the provider and the scopes, shown before going"),
  "POST /vaults/{vault}/oauth/{id}": inVaultPage(
    "admin",
    "POST /v1/vaults/{vault}/services/{name}/oauth/connections",
    "sends the person to the provider: state and PKCE bound to this session and browser",
  ),
  "POST /vaults/{vault}/webhooks": inVaultPage("admin", "POST /v1/vaults/{vault}/webhooks", "the signing secret is shown once"),
  "POST /vaults/{vault}/webhooks/{id}/delete": inVaultPage("admin", "DELETE /v1/vaults/{vault}/webhooks/{id}", "after a confirmation step"),
  "GET /vaults/{vault}/traffic": inVaultPage("admin", "GET /v1/vaults/{vault}/logs"),
  "POST /vaults/{vault}/request-releases/{id}/revoke": inVaultPage("admin", "DELETE /v1/vaults/{vault}/request-releases/{id}"),
  "GET /users": consolePage("GET /v1/users", OWNER_ONLY),
  "POST /users": consolePage("POST /v1/users", OWNER_ONLY, "invites a person; the accept link is shown once"),
  "POST /users/{id}/role": consolePage("PATCH /v1/users/{id}", OWNER_ONLY, "the company's last owner stays"),
  "POST /users/{id}/delete": consolePage("DELETE /v1/users/{id}", OWNER_ONLY, "after a confirmation step; the company's last owner stays"),
  "GET /accept/{token}": { access: "public", surface: "page", mirrors: "POST /v1/users/accept" },
  "POST /accept/{token}": { access: "public", surface: "page", mirrors: "POST /v1/users/accept" },
  "GET /api-keys": consolePage("GET /v1/api-keys", OWNER_ONLY),
  "POST /api-keys": consolePage("POST /v1/api-keys", OWNER_ONLY, "the key is shown once"),
  "POST /api-keys/{id}/revoke": consolePage("DELETE /v1/api-keys/{id}", OWNER_ONLY, "after a confirmation step; the company's last owner credential stays"),
  "GET /audit": consolePage("GET /v1/audit", OWNER_ONLY),
  "GET /sso": consolePage("GET /v1/company/sso", OWNER_ONLY),
  "POST /sso": consolePage("PUT /v1/company/sso", OWNER_ONLY, "the client secret is never shown"),
  "POST /sso/delete": consolePage("DELETE /v1/company/sso", OWNER_ONLY, "after a confirmation step"),
} satisfies Record<string, Rule>;

export type Operation = keyof typeof PERMISSIONS;

export function ruleFor(operation: string): Rule | undefined {
  return (PERMISSIONS as Record<string, Rule>)[operation];
}

const CELL_TEXT: Record<Cell, string> = { allow: "yes", deny: "—", self: "itself", proxy: "proxy+", member: "member+", admin: "admin" };
const SURFACE_TITLES: Record<Surface, string> = { api: "API (`/openapi.json`)", proxy: "Proxy", page: "Web pages" };

/** The table as docs/security.md shows it (`npm run docs:security` writes it there; a test compares). */
export function renderPermissionTable(): string {
  const lines: string[] = [];
  for (const surface of ["api", "proxy", "page"] as const) {
    lines.push(
      `#### ${SURFACE_TITLES[surface]}`,
      "",
      `| operation | ${COLUMNS.map((c) => COLUMN_TITLES[c]).join(" | ")} | notes |`,
      `|---|${COLUMNS.map(() => "---").join("|")}|---|`,
    );
    for (const [operation, rule] of Object.entries(PERMISSIONS) as [string, Rule][]) {
      if (rule.surface !== surface) continue;
      const notes = [rule.access !== "platform" && rule.mirrors ? `as \`${rule.mirrors}\`` : "", rule.note ?? ""].filter(Boolean).join("; ");
      lines.push(`| \`${operation}\` | ${cellsText(rule).join(" | ")} | ${notes} |`);
    }
    lines.push("");
  }
  return lines.join("\n").trimEnd();
}

/** A row's cells as the table shows them; a public row with token cells says `public` where a token is optional and `—` where one is refused. */
function cellsText(rule: Rule): string[] {
  if (rule.access === "principal") return COLUMNS.map((c) => CELL_TEXT[rule.cells[c]]);
  if (rule.access === "platform") return COLUMNS.map(() => "platform");
  const withToken = rule.withToken?.cells;
  return COLUMNS.map((c) => (withToken?.[c] === "deny" ? CELL_TEXT.deny : "public"));
}
