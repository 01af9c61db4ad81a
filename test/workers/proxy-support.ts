/** Shared setup for the proxy suites: a vault whose service points at the recording upstream. */
import { SELF } from "cloudflare:test";
import { call, createCompany, createVault, inviteAgent, unique } from "./helpers.ts";
import { upstreamUrl } from "./upstream.ts";

export type ProxySetup = Awaited<ReturnType<typeof proxySetup>>;

export async function proxySetup(options: { auth?: Record<string, unknown>; credentials?: Record<string, string>; upstream?: string; role?: string } = {}) {
  const company = await createCompany();
  const vault = await createVault(company.ownerKey);
  const host = `${unique("api").slice(0, 30)}.example.com`;
  const service = await call("POST", `/v1/vaults/${vault}/services`, {
    token: company.ownerKey,
    body: {
      name: "svc",
      host,
      upstream: options.upstream ?? upstreamUrl(),
      description: "Test API",
      auth: options.auth ?? { type: "bearer", token: "API_KEY" },
    },
  });
  if (service.status !== 201) throw new Error(`service: ${service.status} ${service.text}`);
  const credentials = options.credentials ?? { API_KEY: "secret-api-key-value" };
  if (Object.keys(credentials).length) await call("POST", "/v1/credentials", { token: company.ownerKey, body: { vault, credentials } });
  const agent = await inviteAgent(company.ownerKey, undefined, [{ vault, role: options.role ?? "proxy" }]);
  return { company, vault, host, agent };
}

export function proxyFetch(
  s: { agent: { token: string }; vault: string; host: string },
  path: string,
  init: RequestInit & { headers?: Record<string, string> } = {},
  host = s.host,
) {
  return SELF.fetch(`https://edge.test/proxy/${host}${path}`, {
    redirect: "manual",
    ...init,
    headers: { Authorization: `Bearer ${s.agent.token}`, "X-Vault": s.vault, ...init.headers },
  });
}
