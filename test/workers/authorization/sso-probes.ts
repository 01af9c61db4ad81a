/**
 * The matrices' probes for a company's single sign-on (sso/): its settings over the API and the
 * console, and the two public sign-in pages. A write sets a fresh client of the suites' provider
 * (sso-global-setup.ts); removing one first sets one; the callback is a whole real sign-in, handed
 * in with the flow cookie of the browser that started it.
 */
import type { PageProbe, PageRequest } from "./page-probes.ts";
import type { Probe } from "./probes.ts";
import type { World } from "./world.ts";
import { atProvider, registerClient, setUpSso, startSignIn } from "../sso-support.ts";

async function freshClientBody() {
  const client = await registerClient();
  return { issuer: client.issuer, client_id: client.clientId, client_secret: client.clientSecret };
}

export const SSO_PROBES: Record<string, Probe> = {
  "GET /v1/company/sso": { request: async () => ({ method: "GET", path: "/v1/company/sso" }) },
  "PUT /v1/company/sso": { request: async () => ({ method: "PUT", path: "/v1/company/sso", body: await freshClientBody() }) },
  "DELETE /v1/company/sso": {
    request: async (w) => {
      await setUpSso(w.company);
      return { method: "DELETE", path: "/v1/company/sso" };
    },
  },
};

export const SSO_PAGE_PROBES: Record<string, PageProbe> = {
  "GET /sso": { request: async () => ({ method: "GET", path: "/sso" }) },
  "POST /sso": { request: async () => ({ method: "POST", path: "/sso", fields: { ...(await freshClientBody()), password_sign_in: "on" } }) },
  "POST /sso/delete": {
    request: async (w) => {
      await setUpSso(w.company);
      return { method: "POST", path: "/sso/delete", fields: { confirm: "yes" } };
    },
  },
};

export const SSO_PUBLIC_PAGE_PROBES: Record<string, (w: World) => Promise<PageRequest>> = {
  "GET /sign-in/sso": async () => ({ method: "GET", path: "/sign-in/sso?next=/vaults" }),
  "GET /sign-in/sso/callback": async (w) => {
    await setUpSso(w.company);
    const started = await startSignIn({ company: w.company.id });
    const callback = await atProvider(started.authorizationUrl ?? "", `probe-${w.company.id}@example.test`);
    return { method: "GET", path: `${callback.pathname}${callback.search}`, cookie: started.cookie };
  },
};
