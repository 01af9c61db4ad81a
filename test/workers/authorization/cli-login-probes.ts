/**
 * The matrices' probes for CLI logins (cli-logins/): each probe starts a login of its own, so a
 * decision never meets one already decided. The public token probe collects a login the world's
 * member confirmed, with the interval already passed.
 */
import { env } from "cloudflare:test";
import { sha256Hex } from "../../../workers/lib/crypto/tokens.ts";
import { call } from "../helpers.ts";
import type { PageProbe } from "./page-probes.ts";
import type { Probe, ProbeRequest } from "./probes.ts";
import type { World } from "./world.ts";

let address = 0;
/**
 * A login asked for the world's company (so another company's people must be told it does not
 * exist: the tenant matrix), started from an address of its own (the per-address cap never
 * refuses a probe).
 */
async function freshLogin(w: World): Promise<{ device_code: string; user_code: string }> {
  address += 1;
  const res = await call("POST", "/v1/cli-logins", {
    body: { company: w.company.id },
    headers: { "CF-Connecting-IP": `198.18.${Math.floor(address / 250)}.${address % 250}` },
  });
  if (res.status !== 201) throw new Error(`cli login: ${res.status} ${res.text}`);
  return res.body as { device_code: string; user_code: string };
}

export const CLI_LOGIN_PROBES: Record<string, Probe> = {
  "GET /v1/cli-logins/{userCode}": { request: async (w) => ({ method: "GET", path: `/v1/cli-logins/${(await freshLogin(w)).user_code}` }) },
  "POST /v1/cli-logins/{userCode}/approve": { request: async (w) => ({ method: "POST", path: `/v1/cli-logins/${(await freshLogin(w)).user_code}/approve` }) },
  "POST /v1/cli-logins/{userCode}/deny": { request: async (w) => ({ method: "POST", path: `/v1/cli-logins/${(await freshLogin(w)).user_code}/deny` }) },
};

export const CLI_LOGIN_PUBLIC_PROBES: Record<string, (w: World) => Promise<ProbeRequest>> = {
  "POST /v1/cli-logins": async () => {
    address += 1;
    return { method: "POST", path: "/v1/cli-logins", body: { client_name: "probe" }, headers: { "CF-Connecting-IP": `198.18.200.${address % 250}` } };
  },
  "POST /v1/cli-logins/token": async (w) => {
    const login = await freshLogin(w);
    const approved = await call("POST", `/v1/cli-logins/${login.user_code}/approve`, { token: w.minter.token });
    if (approved.status !== 200) throw new Error(`approve: ${approved.status} ${approved.text}`);
    await env.DB.prepare("UPDATE cli_logins SET last_polled_at = NULL WHERE device_code_hash = ?")
      .bind(await sha256Hex(login.device_code))
      .run();
    return { method: "POST", path: "/v1/cli-logins/token", body: { device_code: login.device_code } };
  },
};

export const CLI_LOGIN_PAGE_PROBES: Record<string, PageProbe> = {
  "GET /cli-login": { request: async (w) => ({ method: "GET", path: `/cli-login?code=${(await freshLogin(w)).user_code}` }) },
  "POST /cli-login/approve": {
    request: async (w) => ({
      method: "POST",
      path: "/cli-login/approve",
      fields: await (async () => {
        const code = (await freshLogin(w)).user_code;
        return { code, typed_code: code };
      })(),
    }),
  },
  "POST /cli-login/deny": { request: async (w) => ({ method: "POST", path: "/cli-login/deny", fields: { code: (await freshLogin(w)).user_code } }) },
};
