/**
 * An OAuth service's token endpoint, and a connect's authorization endpoint and discovery URL,
 * under production rules (as proxy-ssrf.spec.ts runs the Worker: `ALLOW_PRIVATE_UPSTREAMS=false`,
 * every binding unchanged): https and a public host only, refused when written, so a client
 * secret or refresh token is never sent to a private address. The parsing's cases:
 * lib/oauth-endpoint.cases.ts.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../workers/index.ts";
import { BASE, call, createCompany, createVault } from "./helpers.ts";

const PRODUCTION = { ...env, ENVIRONMENT: "production", ALLOW_PRIVATE_UPSTREAMS: "false" };

async function underProductionRules(method: string, path: string, token: string, body: unknown) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`${BASE}${path}`, { method, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }, body: JSON.stringify(body) }),
    PRODUCTION,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: response.status, body: (await response.json()) as { error?: string; message?: string } };
}

const oauth = (tokenEndpoint: string) => ({
  type: "oauth",
  client_id: "edgevault",
  client_secret_key: "CLIENT_SECRET",
  refresh_token_key: "REFRESH_TOKEN",
  token_endpoint: tokenEndpoint,
});

describe("a token endpoint a client secret or refresh token would go to is held to the upstreams' rules", () => {
  it.each([
    "http://auth.example.com/token",
    "https://127.0.0.1/token",
    "https://10.1.2.3/token",
    "https://169.254.169.254/latest/token",
    "https://localhost/token",
    "https://auth.internal/token",
    "https://user:pass@auth.example.com/token",
  ])("%s: 400 invalid_oauth_endpoint, no service made", async (endpoint) => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const made = await underProductionRules("POST", `/v1/vaults/${vault}/services`, company.ownerKey, {
      name: "svc",
      host: "api.example.com",
      auth: oauth(endpoint),
    });
    expect(made.status).toBe(400);
    expect(["invalid_oauth_endpoint", "invalid_request"]).toContain(made.body.error);
    expect((await call("GET", `/v1/vaults/${vault}/services`, { token: company.ownerKey })).body.services).toEqual([]);
  });

  it("a connect's custom authorization endpoint and discovery URL: the same rules", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    expect(
      (
        await call("POST", `/v1/vaults/${vault}/services`, {
          token: company.ownerKey,
          body: { name: "svc", host: "api.example.com", auth: oauth("https://auth.example.com/token") },
        })
      ).status,
    ).toBe(201);
    const path = `/v1/vaults/${vault}/services/svc/oauth/connections`;
    for (const body of [
      { authorization_endpoint: "https://10.0.0.5/authorize" },
      { authorization_endpoint: "http://auth.example.com/authorize" },
      { discovery_url: "https://169.254.169.254" },
      { discovery_url: "http://127.0.0.1:1" },
    ]) {
      const refused = await underProductionRules("POST", path, company.ownerKey, body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.error).toBe("invalid_oauth_endpoint");
    }
  });
});
