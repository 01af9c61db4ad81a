/**
 * Shared setup for the OAuth services' suites: a real authorization server of the spec's own
 * (oidc-provider, test/support/authorization-server.ts, through test/workers/authorization-server.ts),
 * a client registered on it, and a vault whose `oauth` service points at the recording upstream
 * and takes its access tokens from that server's token endpoint.
 */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { call, createCompany, createVault, inviteAgent, unique } from "./helpers.ts";
import { machineClient, refreshingClient, startProvider, type TestProvider } from "./authorization-server.ts";
import { upstreamUrl } from "./upstream.ts";

export const REDIRECT_URI = "https://edge.test/oauth/callback";

export type OAuthVault = Awaited<ReturnType<typeof oauthVault>>;

/**
 * A vault with one `oauth` service, `svc`. `refresh_token` (the default): a person's refresh token
 * obtained through the provider's consent pages and stored as `REFRESH_TOKEN`, with the client's
 * secret as `CLIENT_SECRET`; `client_credentials`: the client's secret only.
 */
export async function oauthVault(
  options: {
    grant?: "refresh_token" | "client_credentials";
    tokenAuth?: "client_secret_post" | "client_secret_basic";
    accessTokenTtl?: number;
    scopes?: string[];
    audience?: string;
    provider?: TestProvider;
  } = {},
) {
  const provider = options.provider ?? (await startProvider(options.accessTokenTtl ? { accessTokenTtl: options.accessTokenTtl } : {}));
  const grant = options.grant ?? "refresh_token";
  const tokenAuth = options.tokenAuth ?? "client_secret_post";
  const client = grant === "refresh_token" ? await refreshingClient(provider, REDIRECT_URI, tokenAuth) : await machineClient(provider, tokenAuth);
  const credentials: Record<string, string> = { CLIENT_SECRET: client.client_secret };
  let refreshToken: string | undefined;
  if (grant === "refresh_token") {
    refreshToken = (await provider.grant({ ...client, redirect_uri: REDIRECT_URI }, unique("person"), "openid offline_access read")).refresh_token;
    credentials.REFRESH_TOKEN = refreshToken;
  }
  const company = await createCompany();
  const vault = await createVault(company.ownerKey);
  const host = `${unique("oauth").slice(0, 30)}.example.com`;
  const auth = {
    type: "oauth",
    client_id: client.client_id,
    client_secret_key: "CLIENT_SECRET",
    ...(grant === "refresh_token" ? { refresh_token_key: "REFRESH_TOKEN" } : { grant: "client_credentials" }),
    token_endpoint: provider.tokenEndpoint,
    ...(options.tokenAuth ? { token_auth: options.tokenAuth } : {}),
    ...(options.scopes ? { scopes: options.scopes } : {}),
    ...(options.audience ? { audience: options.audience } : {}),
  };
  const service = await call("POST", `/v1/vaults/${vault}/services`, {
    token: company.ownerKey,
    body: { name: "svc", host, upstream: upstreamUrl(), auth },
  });
  expect(service.status, service.text).toBe(201);
  const stored = await call("POST", "/v1/credentials", { token: company.ownerKey, body: { vault, credentials } });
  expect(stored.status, stored.text).toBe(200);
  const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: "proxy" }]);
  return { provider, client, company, vault, host, agent, refreshToken, auth };
}

/** The bearer token a recorded upstream request carried. */
export function bearerOf(request: { headers: Record<string, string | string[]> } | undefined): string | undefined {
  const value = request?.headers.authorization;
  return typeof value === "string" && value.startsWith("Bearer ") ? value.slice(7) : undefined;
}

/** The sealed value and last writer of a credential, as D1 holds it. */
export async function storedCredential(s: { company: { id: string }; vault: string }, key: string) {
  return env.DB.prepare(
    "SELECT c.ciphertext AS ciphertext, c.updated_by AS updatedBy FROM credentials c JOIN vaults v ON v.id = c.vault_id WHERE c.company_id = ? AND v.name = ? AND c.key = ?",
  )
    .bind(s.company.id, s.vault, key)
    .first<{ ciphertext: string; updatedBy: string | null }>();
}

/** The vault's id (the OAuthTokens object is named by it). */
export async function vaultIdOf(s: { company: { id: string }; vault: string }): Promise<string> {
  const row = await env.DB.prepare("SELECT id FROM vaults WHERE company_id = ? AND name = ?").bind(s.company.id, s.vault).first<{ id: string }>();
  if (!row) throw new Error("no such vault");
  return row.id;
}

/** The link "Go to <provider>" on the page Continue answers with (the authorization URL, unescaped). */
export function providerLinkOf(page: string): string {
  const href = /id="go-to-provider" href="([^"]+)"/.exec(page)?.[1];
  if (!href) throw new Error(`no link to the provider on the page: ${page.slice(0, 300)}`);
  return href.replaceAll("&amp;", "&").replaceAll("&#39;", "'").replaceAll("&quot;", '"');
}
