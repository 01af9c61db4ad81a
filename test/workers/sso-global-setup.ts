/**
 * Runs in Node before the Worker suite, beside global-setup.ts: two real OpenID providers
 * (test/support/authorization-server.ts, oidc-provider with PKCE required) for the single sign-on
 * specs, which run in workerd and reach them over fetch — the second one is "another company's
 * provider". Their issuers go to the specs with `provide`, with a small control address for what
 * only Node can ask a provider: the tokens it handed out (the leak canaries look for them).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { startAuthorizationServer } from "../support/authorization-server.ts";
import { SSO_ACCOUNTS } from "../support/sso-accounts.ts";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const accounts = Object.values(SSO_ACCOUNTS);
  const [provider, other] = await Promise.all([startAuthorizationServer({ accounts }), startAuthorizationServer({ accounts })]);
  const control = createServer((req, res) => {
    if (req.method === "GET" && req.url === "/issued-tokens") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(provider.issuedTokens()));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
  project.provide("ssoProviders", {
    issuer: provider.issuer,
    otherIssuer: other.issuer,
    control: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
  });
  return async () => {
    await Promise.all([provider.close(), other.close(), new Promise<void>((resolve) => control.close(() => resolve()))]);
  };
}
