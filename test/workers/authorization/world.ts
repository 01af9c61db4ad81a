/**
 * A company with one principal of every kind the permission table names, each holding a known
 * role in one vault (`main`), built through the API exactly as a customer would. The matrices
 * (authorization.spec.ts) call every operation as each of them.
 */
import { env } from "cloudflare:test";
import type { Column } from "../../../workers/auth/permission-table.ts";
import type { VaultRole } from "../../../workers/db/schema.ts";
import { call, createCompany, createUser, createVault, inviteAgent, unique, type TestCompany } from "../helpers.ts";
import { upstreamUrl } from "../upstream.ts";

export type Instance = {
  /** e.g. `member@proxy`. */
  label: string;
  column: Column;
  kind: "company_key" | "user" | "agent" | "session";
  /** The role it holds in the world's vault (owners and keys: admin everywhere). */
  role: VaultRole | undefined;
  token: string;
  /** Agents: their name; users: their e-mail. */
  name: string;
  /** A token of the same principal that may be spent (signed out, revoked) without breaking the others. */
  spareToken(): Promise<string>;
};

export type World = {
  company: TestCompany;
  vault: string;
  vaultId: string;
  host: string;
  credentialKey: string;
  /** A value stored as the vault's credential: it must never appear where the design does not put it. */
  credentialValue: string;
  /** A proxy-role agent that raises the proposals others decide. */
  raiser: { name: string; token: string };
  /** The member who minted the session instance. */
  minter: { email: string; password: string; token: string };
  instances: Instance[];
};

const ROLES: (VaultRole | undefined)[] = ["admin", "member", "proxy", undefined];

async function signIn(email: string, password: string): Promise<string> {
  const res = await call("POST", "/v1/auth/sign-in", { body: { email, password } });
  if (res.status !== 200) throw new Error(`sign-in: ${res.status} ${res.text}`);
  return res.body.token as string;
}

export async function grantUser(ownerKey: string, vault: string, email: string, role: VaultRole) {
  const res = await call("POST", `/v1/vaults/${vault}/users`, { token: ownerKey, body: { email, role } });
  if (res.status !== 200) throw new Error(`grant user: ${res.status} ${res.text}`);
}

export async function mintSession(token: string, vault: string): Promise<{ id: string; token: string }> {
  const res = await call("POST", "/v1/sessions", { token, body: { vault, ttl_seconds: 3600 } });
  if (res.status !== 201) throw new Error(`session: ${res.status} ${res.text}`);
  return { id: res.body.id as string, token: res.body.token as string };
}

export async function buildWorld(tag = "w"): Promise<World> {
  const company = await createCompany();
  const K = company.ownerKey;
  const vault = await createVault(K, unique(`${tag}-main`));
  const vaultId = (await env.DB.prepare("SELECT id FROM vaults WHERE company_id = ? AND name = ?").bind(company.id, vault).first<{ id: string }>())?.id ?? "";
  const host = `${unique(`${tag}-api`)}.example.com`;
  const credentialKey = "MAIN_KEY";
  const credentialValue = `canary-${crypto.randomUUID()}`;
  await call("POST", "/v1/credentials", { token: K, body: { vault, credentials: { [credentialKey]: credentialValue } } });
  const service = await call("POST", `/v1/vaults/${vault}/services`, {
    token: K,
    body: { name: "svc", host, upstream: upstreamUrl(), auth: { type: "bearer", token: credentialKey } },
  });
  if (service.status !== 201) throw new Error(`service: ${service.status} ${service.text}`);

  const instances: Instance[] = [];
  const same = (token: string) => async () => token;
  instances.push({ label: "company_key", column: "company_key", kind: "company_key", role: "admin", token: K, name: "key", spareToken: same(K) });

  const owner = await createUser(company, "owner");
  instances.push({
    label: "owner",
    column: "owner",
    kind: "user",
    role: "admin",
    token: owner.token,
    name: owner.email,
    spareToken: () => signIn(owner.email, owner.password),
  });
  for (const role of ROLES) {
    const user = await createUser(company);
    if (role) await grantUser(K, vault, user.email, role);
    instances.push({
      label: `member@${role ?? "none"}`,
      column: "member",
      kind: "user",
      role,
      token: user.token,
      name: user.email,
      spareToken: () => signIn(user.email, user.password),
    });
  }

  const ownerAgent = await inviteAgent(K, unique(`${tag}-oa`), [], "owner");
  instances.push({
    label: "owner_agent",
    column: "owner_agent",
    kind: "agent",
    role: "admin",
    token: ownerAgent.token,
    name: ownerAgent.name,
    spareToken: same(ownerAgent.token),
  });
  for (const role of ROLES) {
    const agent = await inviteAgent(K, unique(`${tag}-a-${role ?? "none"}`), role ? [{ vault, role }] : []);
    instances.push({
      label: `agent@${role ?? "none"}`,
      column: "agent",
      kind: "agent",
      role,
      token: agent.token,
      name: agent.name,
      spareToken: same(agent.token),
    });
  }

  const minterUser = await createUser(company);
  await grantUser(K, vault, minterUser.email, "member");
  const session = await mintSession(minterUser.token, vault);
  instances.push({
    label: "session",
    column: "session",
    kind: "session",
    role: "proxy",
    token: session.token,
    name: session.id,
    spareToken: async () => (await mintSession(minterUser.token, vault)).token,
  });

  const raiser = await inviteAgent(K, unique(`${tag}-raiser`), [{ vault, role: "proxy" }]);
  return {
    company,
    vault,
    vaultId,
    host,
    credentialKey,
    credentialValue,
    raiser: { name: raiser.name, token: raiser.token },
    minter: { email: minterUser.email, password: minterUser.password, token: minterUser.token },
    instances,
  };
}
