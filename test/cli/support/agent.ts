/**
 * An agent for CLI tests, made the way a real one is: invited through the API and redeemed by
 * POSTing to its invite URL with fetch. The CLI under test never sees its token.
 */
import assert from "node:assert/strict";
import type { Edge } from "./edge.ts";

export type TestAgent = { name: string; token: string };

export async function inviteAgent(edge: Edge, inviterToken: string, name: string, vaults: { vault: string; role?: string }[]): Promise<TestAgent> {
  const invite = await edge.call("POST", "/v1/agents/invites", inviterToken, { name, vaults });
  assert.equal(invite.status, 201, JSON.stringify(invite.body));
  const url = (invite.body as { invite_url: string }).invite_url;
  const redeemed = await fetch(url, { method: "POST" });
  const body = (await redeemed.json()) as { token?: string };
  assert.equal(redeemed.status, 200, JSON.stringify(body));
  assert.ok(body.token);
  return { name, token: body.token };
}

/** A request through the edge's proxy, as an agent (or a vault session) makes it. */
export function proxyFetch(
  edge: Edge,
  token: string,
  hostAndPath: string,
  init: { vault?: string; method?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  return fetch(`${edge.addr}/proxy/${hostAndPath}`, {
    method: init.method ?? "GET",
    redirect: "manual",
    headers: { Authorization: `Bearer ${token}`, ...(init.vault ? { "X-Vault": init.vault } : {}), ...init.headers },
  });
}
