/**
 * Every way a delegation ends, for the delegation matrix (authorization.spec.ts): each ending names
 * the minter it needs, the change that ends the session, and the change that restores the minter
 * afterwards (re-enabled, the grant re-added, the role raised back, …). Ending is final: after the
 * restore the session must still be refused.
 */
import { expect } from "vitest";
import { call, createUser, inviteAgent } from "../helpers.ts";
import { buildWorld, grantUser } from "./world.ts";

export type DelegationWorld = { companyId: string; companyKey: string; vault: string; host: string };
export type Minter = { kind: "agent" | "user" | "company_key"; token: string; name: string; email?: string; password?: string };
export type DelegationCase = { w: DelegationWorld; minter: Minter; session: { id: string; token: string } };
type Step = (ctx: DelegationCase) => Promise<void>;
export type Ending = { name: string; minter: (w: DelegationWorld) => Promise<Minter>; end: Step; restore: { name: string; run: Step } };

export async function delegationWorld(): Promise<DelegationWorld> {
  const w = await buildWorld("dw");
  return { companyId: w.company.id, companyKey: w.company.ownerKey, vault: w.vault, host: w.host };
}

/** Throws unless the step's request did what it says (a restore that silently failed would prove nothing). */
async function expectOk(request: Promise<{ status: number; text: string }>, what: string): Promise<void> {
  const res = await request;
  expect(res.status, `${what}: ${res.text.slice(0, 200)}`).toBeLessThan(300);
}

async function agentMinter(w: DelegationWorld): Promise<Minter> {
  const agent = await inviteAgent(w.companyKey, undefined, [{ vault: w.vault, role: "member" }]);
  return { kind: "agent", token: agent.token, name: agent.name };
}

/** An owner agent with no grant: admin of every vault by its company role alone. */
async function ownerAgentMinter(w: DelegationWorld): Promise<Minter> {
  const agent = await inviteAgent(w.companyKey, undefined, [], "owner");
  return { kind: "agent", token: agent.token, name: agent.name };
}

async function userMinter(w: DelegationWorld): Promise<Minter> {
  const user = await createUser({ id: w.companyId, ownerKey: w.companyKey });
  await grantUser(w.companyKey, w.vault, user.email, "member");
  return { kind: "user", token: user.token, name: user.id, email: user.email, password: user.password };
}

/** An owner person with no grant: admin of every vault by their company role alone. */
async function ownerUserMinter(w: DelegationWorld): Promise<Minter> {
  const user = await createUser({ id: w.companyId, ownerKey: w.companyKey }, "owner");
  return { kind: "user", token: user.token, name: user.id, email: user.email, password: user.password };
}

async function keyMinter(w: DelegationWorld): Promise<Minter> {
  const key = await call("POST", "/v1/api-keys", { token: w.companyKey, body: { label: "minter" } });
  return { kind: "company_key", token: key.body.token as string, name: key.body.id as string };
}

const K = (w: DelegationWorld) => ({ token: w.companyKey });

const regrantAgent: Ending["restore"] = {
  name: "grant re-added",
  run: ({ w, minter }) => expectOk(call("POST", `/v1/vaults/${w.vault}/agents`, { ...K(w), body: { agent: minter.name, role: "member" } }), "re-grant"),
};
const regrantUser: Ending["restore"] = {
  name: "grant re-added",
  run: ({ w, minter }) => expectOk(call("POST", `/v1/vaults/${w.vault}/users`, { ...K(w), body: { email: minter.email, role: "member" } }), "re-grant"),
};

export const ENDINGS: Ending[] = [
  {
    name: "agent's vault grant removed",
    minter: agentMinter,
    end: ({ w, minter }) => expectOk(call("DELETE", `/v1/vaults/${w.vault}/agents/${minter.name}`, K(w)), "remove grant"),
    restore: regrantAgent,
  },
  {
    name: "agent's grant lowered below member",
    minter: agentMinter,
    end: ({ w, minter }) => expectOk(call("PATCH", `/v1/vaults/${w.vault}/agents/${minter.name}`, { ...K(w), body: { role: "proxy" } }), "lower"),
    restore: {
      name: "raised back to member",
      run: ({ w, minter }) => expectOk(call("PATCH", `/v1/vaults/${w.vault}/agents/${minter.name}`, { ...K(w), body: { role: "member" } }), "raise"),
    },
  },
  {
    name: "owner agent lowered to member without a grant",
    minter: ownerAgentMinter,
    end: ({ w, minter }) => expectOk(call("PATCH", `/v1/agents/${minter.name}`, { ...K(w), body: { role: "member" } }), "demote"),
    restore: {
      name: "raised back to owner",
      run: ({ w, minter }) => expectOk(call("PATCH", `/v1/agents/${minter.name}`, { ...K(w), body: { role: "owner" } }), "promote"),
    },
  },
  {
    name: "agent disabled",
    minter: agentMinter,
    end: ({ w, minter }) => expectOk(call("PATCH", `/v1/agents/${minter.name}`, { ...K(w), body: { status: "disabled" } }), "disable"),
    restore: {
      name: "re-enabled",
      run: ({ w, minter }) => expectOk(call("PATCH", `/v1/agents/${minter.name}`, { ...K(w), body: { status: "active" } }), "enable"),
    },
  },
  {
    name: "agent deleted",
    minter: agentMinter,
    end: ({ w, minter }) => expectOk(call("DELETE", `/v1/agents/${minter.name}`, K(w)), "delete"),
    restore: {
      name: "an agent of the same name invited with the same grant",
      run: async ({ w, minter }) => void (await inviteAgent(w.companyKey, minter.name, [{ vault: w.vault, role: "member" }])),
    },
  },
  {
    name: "agent's token rotated",
    minter: agentMinter,
    end: async ({ w, minter }) => {
      const invite = await call("POST", `/v1/agents/${minter.name}/rotate`, K(w));
      await expectOk(call("POST", new URL(invite.body.invite_url as string).pathname), "redeem rotation");
    },
    restore: {
      name: "rotated again",
      run: async ({ w, minter }) => {
        const invite = await call("POST", `/v1/agents/${minter.name}/rotate`, K(w));
        await expectOk(call("POST", new URL(invite.body.invite_url as string).pathname), "redeem rotation");
      },
    },
  },
  {
    name: "API key revoked",
    minter: keyMinter,
    end: ({ w, minter }) => expectOk(call("DELETE", `/v1/api-keys/${minter.name}`, K(w)), "revoke"),
    restore: { name: "another key created", run: ({ w }) => expectOk(call("POST", "/v1/api-keys", { ...K(w), body: { label: "minter" } }), "new key") },
  },
  {
    name: "user removed",
    minter: userMinter,
    end: ({ w, minter }) => expectOk(call("DELETE", `/v1/users/${minter.name}`, K(w)), "remove user"),
    restore: {
      name: "the same e-mail created and granted again",
      run: async ({ w, minter }) => {
        await expectOk(call("POST", "/v1/users", { ...K(w), body: { email: minter.email, password: minter.password } }), "re-create");
        await grantUser(w.companyKey, w.vault, minter.email ?? "", "member");
      },
    },
  },
  {
    name: "user's vault grant removed",
    minter: userMinter,
    end: ({ w, minter }) => expectOk(call("DELETE", `/v1/vaults/${w.vault}/users/${minter.name}`, K(w)), "remove grant"),
    restore: regrantUser,
  },
  {
    name: "user's grant lowered below member",
    minter: userMinter,
    end: ({ w, minter }) => expectOk(call("PATCH", `/v1/vaults/${w.vault}/users/${minter.name}`, { ...K(w), body: { role: "proxy" } }), "lower"),
    restore: {
      name: "raised back to member",
      run: ({ w, minter }) => expectOk(call("PATCH", `/v1/vaults/${w.vault}/users/${minter.name}`, { ...K(w), body: { role: "member" } }), "raise"),
    },
  },
  {
    name: "owner person lowered to member without a grant",
    minter: ownerUserMinter,
    end: ({ w, minter }) => expectOk(call("PATCH", `/v1/users/${minter.name}`, { ...K(w), body: { role: "member" } }), "demote"),
    restore: {
      name: "raised back to owner",
      run: ({ w, minter }) => expectOk(call("PATCH", `/v1/users/${minter.name}`, { ...K(w), body: { role: "owner" } }), "promote"),
    },
  },
  {
    name: "user signed out of the sign-in that minted it",
    minter: userMinter,
    end: ({ minter }) => expectOk(call("POST", "/v1/auth/sign-out", { token: minter.token }), "sign out"),
    restore: {
      name: "signed in again",
      run: ({ minter }) => expectOk(call("POST", "/v1/auth/sign-in", { body: { email: minter.email, password: minter.password } }), "sign in"),
    },
  },
  {
    name: "the session revoked",
    minter: agentMinter,
    end: ({ w, session }) => expectOk(call("DELETE", `/v1/sessions/${session.id}`, K(w)), "revoke"),
    restore: {
      name: "the minter mints again",
      run: ({ w, minter }) => expectOk(call("POST", "/v1/sessions", { token: minter.token, body: { vault: w.vault } }), "mint"),
    },
  },
  {
    name: "the vault deleted",
    minter: agentMinter,
    end: ({ w }) => expectOk(call("DELETE", `/v1/vaults/${w.vault}`, K(w)), "delete vault"),
    restore: {
      name: "a vault of the same name created and granted",
      run: async ({ w, minter }) => {
        await expectOk(call("POST", "/v1/vaults", { ...K(w), body: { name: w.vault } }), "re-create");
        await regrantAgent.run({ w, minter, session: { id: "", token: "" } });
      },
    },
  },
];
