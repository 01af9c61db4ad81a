/**
 * An identity provider's answers are read up to a limit and no further: a hostile tester's 60 MiB
 * discovery document was buffered whole. Here the provider is the recording upstream's endless
 * answer (64 KiB chunks for as long as anyone reads): read whole it would never end, so an answer
 * that comes back at all, 502 `provider_answer_too_large`, shows the read stopped at the limit.
 */
import { describe, expect, it } from "vitest";
import { call, createCompany, createVault } from "./helpers.ts";
import { requestId, upstreamUrl } from "./upstream.ts";

const endless = () => upstreamUrl(`/r/${requestId()}/endless`);

describe("a provider's answer is read up to its limit, never whole", () => {
  it("single sign-on: an endless discovery document is 502 provider_answer_too_large at 256 KiB", async () => {
    const company = await createCompany();
    const answer = await call("PUT", "/v1/company/sso", {
      token: company.ownerKey,
      body: { issuer: endless(), client_id: "edgevault", client_secret: "not-used-here" },
    });
    expect(answer.status, answer.text).toBe(502);
    expect(answer.body.error).toBe("provider_answer_too_large");
    expect(answer.body.message).toContain("is over 256 KiB");
  });

  it("a connect's discovery URL: the same", async () => {
    const company = await createCompany();
    const vault = await createVault(company.ownerKey);
    const auth = { type: "oauth", client_id: "x", client_secret_key: "CS", refresh_token_key: "RT", token_endpoint: "https://auth.example.com/token" };
    const added = await call("POST", `/v1/vaults/${vault}/services`, { token: company.ownerKey, body: { name: "svc", host: "api.example.com", auth } });
    expect(added.status, added.text).toBe(201);
    const answer = await call("POST", `/v1/vaults/${vault}/services/svc/oauth/connections`, { token: company.ownerKey, body: { discovery_url: endless() } });
    expect(answer.status, answer.text).toBe(502);
    expect(answer.body.error).toBe("provider_answer_too_large");
  });
});
