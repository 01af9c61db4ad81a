/**
 * A Vane client written from seed 003 alone: register an agent with the company's API key, read
 * it back, fetch a fresh SVID and exchange it (RFC 8693, no target: the edge is the audience).
 * Its agent ids are whatever the client likes within SPIFFE's alphabet.
 */
import { SELF } from "cloudflare:test";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { call, createCompany } from "./helpers.ts";

const exchange = (fields: Record<string, string>) =>
  SELF.fetch("https://edge.test/v1/token/exchange", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });

describe("a Vane client (seed 003), unchanged", () => {
  it("register → get → svid → token exchange without a target", async () => {
    const company = await createCompany();
    const API_KEY = company.ownerKey;
    for (const agentId of ["researcher-1", "Researcher_1", "agent.v2"]) {
      const registered = await call("POST", "/v1/agents/register", { token: API_KEY, body: { agentId, metadata: { model: "gpt-4o", version: "2025-01" } } });
      expect(registered.status).toBe(201);
      expect(Object.keys(registered.body)).toEqual(expect.arrayContaining(["agentId", "spiffeId", "svid", "registeredAt"]));
      expect(registered.body.spiffeId).toBe(`spiffe://edgevault.localhost/company/${company.id}/agent/${agentId}`);

      const record = await call("GET", `/v1/agents/${agentId}`, { token: API_KEY });
      expect(record.body).toMatchObject({ agentId, spiffeId: registered.body.spiffeId, companyId: company.id, metadata: { model: "gpt-4o" } });

      const fresh = await call("GET", `/v1/agents/${agentId}/svid`, { token: API_KEY });
      expect(fresh.body).toMatchObject({ agentId, spiffeId: registered.body.spiffeId });
      const svidClaims = decodeJwt(fresh.body.svid as string);
      expect((svidClaims.exp ?? 0) - (svidClaims.iat ?? 0)).toBe(3600);

      const exchanged = await exchange({
        grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
        subject_token: fresh.body.svid as string,
        subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
      });
      expect(exchanged.status).toBe(200);
      const token = (await exchanged.json()) as { access_token: string; issued_token_type: string };
      expect(token.issued_token_type).toBe("urn:ietf:params:oauth:token-type:jwt");
      const claims = decodeJwt(token.access_token);
      expect(claims.sub).toBe(registered.body.spiffeId);
      expect(claims.aud).toEqual(["https://edge.test"]);
    }
  });

  it("an invalid subject token is invalid_request (RFC 8693 §2.2.2), a missing agentId the seed's message", async () => {
    const company = await createCompany();
    const refused = await exchange({
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      subject_token: "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln",
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe("invalid_request");
    const missing = await call("POST", "/v1/agents/register", { token: company.ownerKey, body: { metadata: {} } });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toBe("Missing or invalid field: agentId is required");
  });
});
