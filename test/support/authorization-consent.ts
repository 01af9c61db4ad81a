/**
 * A person at the test authorization server's own login and consent pages (oidc-provider's
 * devInteractions), walked over plain HTTP with a cookie jar: what Chromium does in test/e2e, for
 * the suites that run in workerd or against the CLI and cannot drive a browser. It follows the
 * provider's redirects and submits its two forms (sign in as `account`, then "Continue") until the
 * provider sends the browser back to the client, and answers that last redirect's URL (the
 * client's callback with `code`, `state` and `iss`), which it never requests itself.
 */
import { createHash, randomBytes } from "node:crypto";
import type { AuthorizationServer } from "./authorization-server.ts";

export type ConsentOptions = {
  /** The account to sign in as (devInteractions takes any password). */
  account: string;
  /** Stop at "Continue" and abort instead: the provider then sends `error=access_denied` back. */
  deny?: boolean;
};

/** Follows `authorizeUrl` through sign-in and consent; answers the URL the provider redirects to outside itself. */
export async function consentThrough(authorizeUrl: string, options: ConsentOptions): Promise<string> {
  const origin = new URL(authorizeUrl).origin;
  const jar = new Map<string, string>();
  let next: { url: string; init?: RequestInit } = { url: authorizeUrl };
  for (let step = 0; step < 12; step++) {
    const response = await fetch(next.url, {
      ...next.init,
      redirect: "manual",
      headers: { ...(next.init?.headers as Record<string, string>), cookie: cookieHeader(jar) },
    });
    keepCookies(jar, response);
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      const target = new URL(location, next.url);
      if (target.origin !== origin) return target.href;
      next = { url: target.href };
      continue;
    }
    const page = await response.text();
    if (response.status !== 200) throw new Error(`authorization server answered ${response.status} at ${next.url}: ${page.slice(0, 300)}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
    const prompt = /name="prompt" value="([^"]+)"/.exec(page)?.[1];
    if (!action || !prompt) throw new Error(`no login or consent form at ${next.url}`);
    const submit = new URL(action.replaceAll("&amp;", "&"), next.url).href;
    if (prompt === "consent" && options.deny) {
      next = { url: submit.replace(/\/?$/, "/abort") };
      continue;
    }
    const form: Record<string, string> = prompt === "login" ? { prompt, login: options.account, password: "any password" } : { prompt };
    next = {
      url: submit,
      init: { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form).toString() },
    };
  }
  throw new Error("the authorization server never sent the browser back to the client");
}

export type GrantedTokens = { access_token: string; refresh_token: string; expires_in?: number; scope?: string };

/**
 * What a person would otherwise paste by hand (Agent Vault's way): a refresh token for `client`,
 * obtained as a client would — authorization code with PKCE through the provider's consent pages,
 * then the code exchanged with the client's secret in the body.
 */
export async function grantRefreshToken(
  server: Pick<AuthorizationServer, "authorizationEndpoint" | "tokenEndpoint">,
  client: { client_id: string; client_secret?: string; redirect_uri: string },
  options: { account: string; scope?: string },
): Promise<GrantedTokens> {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const state = randomBytes(16).toString("base64url");
  const authorize = new URL(server.authorizationEndpoint);
  for (const [name, value] of Object.entries({
    client_id: client.client_id,
    response_type: "code",
    redirect_uri: client.redirect_uri,
    scope: options.scope ?? "openid offline_access read",
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
    prompt: "consent",
  }))
    authorize.searchParams.set(name, value);
  const back = new URL(await consentThrough(authorize.href, { account: options.account }));
  const code = back.searchParams.get("code");
  if (!code || back.searchParams.get("state") !== state) throw new Error(`consent did not come back with a code: ${back.search}`);
  const body = new URLSearchParams({
    grant_type: "authorization_code",
    code,
    redirect_uri: client.redirect_uri,
    code_verifier: verifier,
    client_id: client.client_id,
  });
  if (client.client_secret) body.set("client_secret", client.client_secret);
  const response = await fetch(server.tokenEndpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body,
  });
  const tokens = (await response.json()) as Partial<GrantedTokens> & { error?: string };
  if (!response.ok || !tokens.refresh_token || !tokens.access_token) throw new Error(`code exchange failed: ${response.status} ${tokens.error ?? ""}`);
  return tokens as GrantedTokens;
}

function cookieHeader(jar: Map<string, string>): string {
  return [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
}

function keepCookies(jar: Map<string, string>, response: Response): void {
  // Node's Headers has getSetCookie; the Workers types this file is also checked with do not list it.
  for (const line of (response.headers as Headers & { getSetCookie(): string[] }).getSetCookie()) {
    const [pair = ""] = line.split(";");
    const eq = pair.indexOf("=");
    if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
}
