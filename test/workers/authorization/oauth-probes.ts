/**
 * The matrices' probes for OAuth services' connects (oauth/): the provider catalog, making and
 * reading a connect over the API and the console, and the public callback — a whole real connect
 * through a provider of its own (test/support/authorization-server.ts), handed in with the binding
 * cookie of the browser that was sent. A connect is made for a service whose token endpoint is
 * GitHub's (a catalog provider), so nobody is sent anywhere but by the callback's probe.
 */
import { call, createUser, unique } from "../helpers.ts";
import { refreshingClient, startProvider } from "../authorization-server.ts";
import { providerLinkOf, REDIRECT_URI } from "../oauth-support.ts";
import { postForm, signInCookie } from "../pages-support.ts";
import type { PageProbe, PageRequest } from "./page-probes.ts";
import type { Probe } from "./probes.ts";
import type { World } from "./world.ts";

async function must<T extends { status: number; text: string }>(what: string, res: Promise<T>, status: number): Promise<T> {
  const done = await res;
  if (done.status !== status) throw new Error(`${what}: ${done.status} ${done.text}`);
  return done;
}

/** A GitHub service in the world's vault, to connect. */
async function freshOAuthService(w: World, tokenEndpoint = "https://github.com/login/oauth/access_token", clientId = "Iv1.probe"): Promise<string> {
  const name = unique("po");
  const auth = {
    type: "oauth",
    client_id: clientId,
    client_secret_key: "PROBE_CLIENT_SECRET",
    refresh_token_key: `R_${name.replace(/[^a-z0-9]/gi, "").toUpperCase()}`,
    token_endpoint: tokenEndpoint,
  };
  await must(
    "oauth service",
    call("POST", `/v1/vaults/${w.vault}/services`, { token: w.company.ownerKey, body: { name, host: `${name}.example.com`, auth } }),
    201,
  );
  return name;
}

async function freshConnect(w: World): Promise<string> {
  const service = await freshOAuthService(w);
  const made = await must("connect", call("POST", `/v1/vaults/${w.vault}/services/${service}/oauth/connections`, { token: w.company.ownerKey, body: {} }), 201);
  return made.body.id as string;
}

export const OAUTH_PROBES: Record<string, Probe> = {
  "GET /v1/oauth/providers": { request: async () => ({ method: "GET", path: "/v1/oauth/providers" }) },
  "POST /v1/vaults/{vault}/services/{name}/oauth/connections": {
    request: async (w) => ({ method: "POST", path: `/v1/vaults/${w.vault}/services/${await freshOAuthService(w)}/oauth/connections`, body: {} }),
  },
  "GET /v1/vaults/{vault}/oauth/connections/{id}": {
    request: async (w) => ({ method: "GET", path: `/v1/vaults/${w.vault}/oauth/connections/${await freshConnect(w)}` }),
  },
};

export const OAUTH_PAGE_PROBES: Record<string, PageProbe> = {
  "POST /vaults/{vault}/services/{name}/connect": {
    request: async (w) => ({ method: "POST", path: `/vaults/${w.vault}/services/${await freshOAuthService(w)}/connect` }),
  },
  "GET /vaults/{vault}/oauth/{id}": { request: async (w) => ({ method: "GET", path: `/vaults/${w.vault}/oauth/${await freshConnect(w)}` }) },
  "POST /vaults/{vault}/oauth/{id}": {
    request: async (w) => ({ method: "POST", path: `/vaults/${w.vault}/oauth/${await freshConnect(w)}`, fields: { client_secret: "probe-secret" } }),
  },
};

export const OAUTH_PUBLIC_PAGE_PROBES: Record<string, (w: World) => Promise<PageRequest>> = {
  "GET /oauth/callback": async (w) => {
    const provider = await startProvider();
    const client = await refreshingClient(provider, REDIRECT_URI);
    const service = await freshOAuthService(w, provider.tokenEndpoint, client.client_id);
    const admin = await createUser(w.company, "owner");
    const browser = await signInCookie(admin.email);
    const made = await must(
      "connect",
      call("POST", `/v1/vaults/${w.vault}/services/${service}/oauth/connections`, {
        token: admin.token,
        body: { discovery_url: provider.issuer, client_secret: client.client_secret, scopes: ["openid", "offline_access"] },
      }),
      201,
    );
    const sent = await postForm(`/vaults/${w.vault}/oauth/${made.body.id as string}`, browser);
    const binding = /ev_oauth_connect=([^;]+)/.exec(sent.headers.get("set-cookie") ?? "")?.[1] ?? "";
    const back = new URL(await provider.consent(providerLinkOf(sent.text), unique("probe")));
    return { method: "GET", path: `${back.pathname}${back.search}`, cookie: `ev_oauth_connect=${binding}` };
  },
};
