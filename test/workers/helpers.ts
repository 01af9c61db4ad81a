/** Test helpers: talk to the real Worker (workerd, real local D1) over fetch, as a client would. */
import { env, SELF } from "cloudflare:test";
import { configOf } from "../../workers/config.ts";
import { createDatabase } from "../../workers/db/client.ts";
import { companyDataKey } from "../../workers/db/data-keys.ts";
import type { SvidSigning } from "../../workers/identity/svid.ts";

export const BASE = "https://edge.test";

export type Json = Record<string, unknown> & { error?: string; message?: string };
export type ApiResponse = { status: number; body: Json; headers: Headers; text: string };

export async function call(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string>; rawBody?: BodyInit } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let body: BodyInit | undefined = options.rawBody;
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  // An absolute URL reaches the edge under another host (e.g. a company's `<id>.localhost`).
  const url = /^https?:\/\//.test(path) ? path : `${BASE}${path}`;
  const response = await SELF.fetch(url, { method, headers, body });
  // A WebSocket route upgraded (101): this helper only reads answers, so the socket is closed at once.
  if (response.webSocket) {
    response.webSocket.accept();
    response.webSocket.close(1000, "answer read");
  }
  const text = await response.text();
  let parsed: Json = {};
  try {
    parsed = text ? (JSON.parse(text) as Json) : {};
  } catch {
    parsed = {};
  }
  return { status: response.status, body: parsed, headers: response.headers, text };
}

let counter = 0;
/** A unique slug per call so tests never share state. */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 6)}`;
}

export type TestCompany = { id: string; ownerKey: string };

export async function createCompany(): Promise<TestCompany> {
  const id = unique("co");
  const res = await call("POST", "/v1/companies", { token: env.PLATFORM_TOKEN, body: { id, name: `Company ${id}` } });
  if (res.status !== 201) throw new Error(`createCompany failed: ${res.status} ${res.text}`);
  const apiKey = res.body.api_key as { token: string };
  return { id, ownerKey: apiKey.token };
}

export async function createUser(company: TestCompany, role: "owner" | "member" = "member") {
  const email = `${unique("u")}@example.com`;
  const password = "correct horse battery staple";
  const created = await call("POST", "/v1/users", { token: company.ownerKey, body: { email, role, password } });
  if (created.status !== 201) throw new Error(`createUser failed: ${created.status} ${created.text}`);
  const signIn = await call("POST", "/v1/auth/sign-in", { body: { email, password } });
  if (signIn.status !== 200) throw new Error(`signIn failed: ${signIn.status} ${signIn.text}`);
  return { id: (created.body.user as { id: string }).id, email, password, token: signIn.body.token as string };
}

export async function createVault(token: string, name = unique("v")) {
  const res = await call("POST", "/v1/vaults", { token, body: { name } });
  if (res.status !== 201) throw new Error(`createVault failed: ${res.status} ${res.text}`);
  return name;
}

/** Invites an agent and redeems the invite, as the agent would; returns its token. */
export async function inviteAgent(
  inviterToken: string,
  name = unique("agent").slice(0, 60),
  vaults: { vault: string; role?: string }[] = [],
  role?: "owner" | "member",
) {
  const invite = await call("POST", "/v1/agents/invites", { token: inviterToken, body: { name, vaults, ...(role ? { role } : {}) } });
  if (invite.status !== 201) throw new Error(`invite failed: ${invite.status} ${invite.text}`);
  const redeemed = await redeem(invite.body.invite_url as string);
  if (redeemed.status !== 200) throw new Error(`redeem failed: ${redeemed.status} ${redeemed.text}`);
  return { name, token: redeemed.body.token as string, invite: invite.body, redeemed: redeemed.body };
}

/** POSTs to an invite URL exactly as an agent given the URL would. */
export function redeem(inviteUrl: string) {
  return call("POST", new URL(inviteUrl).pathname);
}

/** The ActorGate Durable Object of an agent (by name), e.g. to run its alarm in a test. */
export async function agentGate(companyId: string, agentName: string) {
  const row = await env.DB.prepare("SELECT id FROM agents WHERE company_id = ? AND name = ?").bind(companyId, agentName).first<{ id: string }>();
  if (!row) throw new Error(`no agent ${agentName}`);
  return env.ACTOR_GATE.getByName(`agent:${row.id}`);
}

/** What identity's SVID functions take, as an action's context has it: the test's D1, its settings and the companies' data keys. */
export function svidContext(): SvidSigning {
  const db = createDatabase(env.DB);
  return { db, config: configOf(env), edge: { dataKey: (companyId) => companyDataKey(db, env, companyId), now: () => Date.now() } };
}
