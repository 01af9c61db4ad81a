/**
 * Driving single sign-on without a browser, against the real providers sso-global-setup.ts
 * started: register a client by dynamic registration, set it as a company's provider, start a
 * sign-in at the edge (its flow cookie and the provider's URL from the page), sign in at the
 * provider by posting its own login and consent forms (following its redirects, keeping its
 * cookies) until it sends the browser back, then hand that answer to the edge's callback. Each
 * step returns what a browser would hold, so a test can alter any of it on the way.
 */
import { SELF } from "cloudflare:test";
import { inject } from "vitest";
import { csrfTokenFor } from "../../workers/auth/csrf.ts";
import { BASE, call, type TestCompany } from "./helpers.ts";
import type { Browser } from "./pages-support.ts";

declare module "vitest" {
  export interface ProvidedContext {
    ssoProviders: { issuer: string; otherIssuer: string; control: string };
  }
}

/** The providers' issuers, and the control address of the first (sso-global-setup.ts). */
export const providers = () => inject("ssoProviders");

export const CALLBACK = `${BASE}/sign-in/sso/callback`;

export type ProviderClient = { issuer: string; clientId: string; clientSecret: string };

/** A new client of `issuer` whose redirect URI is the edge's callback (dynamic registration, as an owner registers one by hand). */
export async function registerClient(issuer = providers().issuer, tokenAuth = "client_secret_basic"): Promise<ProviderClient> {
  const res = await fetch(`${issuer}/reg`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ redirect_uris: [CALLBACK], grant_types: ["authorization_code"], response_types: ["code"], token_endpoint_auth_method: tokenAuth }),
  });
  if (res.status !== 201) throw new Error(`client registration: ${res.status} ${await res.text()}`);
  const client = (await res.json()) as { client_id: string; client_secret: string };
  return { issuer, clientId: client.client_id, clientSecret: client.client_secret };
}

/** Registers a client and makes it the company's provider (PUT /v1/company/sso as its key); `settings` adds to the body. */
export async function setUpSso(company: TestCompany, settings: Record<string, unknown> = {}, issuer = providers().issuer): Promise<ProviderClient> {
  const client = await registerClient(issuer, (settings.token_auth as string | undefined) ?? "client_secret_basic");
  const res = await call("PUT", "/v1/company/sso", {
    token: company.ownerKey,
    body: { issuer: client.issuer, client_id: client.clientId, client_secret: client.clientSecret, ...settings },
  });
  if (res.status !== 200) throw new Error(`PUT /v1/company/sso: ${res.status} ${res.text}`);
  return client;
}

export type Started = { status: number; text: string; cookie: string | undefined; authorizationUrl: string | undefined };

const cookieOf = (res: Response, name: string) =>
  res.headers
    .getAll("set-cookie")
    .map((line) => line.split(";")[0] ?? "")
    .find((pair) => pair.startsWith(`${name}=`) && pair.length > name.length + 1);

const unescapeHtml = (text: string) =>
  text
    .replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">");

/** `GET /sign-in/sso?<query>` at the edge: the flow cookie it sets and the provider's URL its page links to. */
export async function startSignIn(query: Record<string, string>, origin = BASE): Promise<Started> {
  const res = await SELF.fetch(`${origin}/sign-in/sso?${new URLSearchParams(query)}`, { redirect: "manual" });
  const text = await res.text();
  const link = /<a class="button primary" href="([^"]+)">Continue to /.exec(text)?.[1];
  return { status: res.status, text, cookie: cookieOf(res, "edgevault_sso_flow"), authorizationUrl: link ? unescapeHtml(link) : undefined };
}

/**
 * Signs `login` in at the provider from an authorization URL, as a person at its pages would:
 * follows its redirects, posts its login form (any password) and its consent form, and returns
 * the URL it finally sends the browser to — the edge's callback, with the code, state and `iss`.
 */
export async function atProvider(authorizationUrl: string, login: string): Promise<URL> {
  const jar = new Map<string, string>();
  let url = authorizationUrl;
  let form: URLSearchParams | undefined;
  for (let step = 0; step < 12; step++) {
    const res = await fetch(url, {
      method: form ? "POST" : "GET",
      redirect: "manual",
      headers: { Cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; "), ...(form ? { "Content-Type": "application/x-www-form-urlencoded" } : {}) },
      body: form?.toString(),
    });
    for (const line of res.headers.getAll("set-cookie")) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer();
      const next = new URL(location, url);
      if (next.href.startsWith(CALLBACK)) return next;
      url = next.href;
      form = undefined;
      continue;
    }
    const page = await res.text();
    const action = /<form[^>]*action="([^"]+)"[^>]*method="post"/.exec(page)?.[1];
    if (res.status !== 200 || !action) throw new Error(`the provider answered ${res.status} at ${url}: ${page.slice(0, 300)}`);
    form = new URLSearchParams();
    for (const input of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) form.set(input[1] ?? "", unescapeHtml(input[2] ?? ""));
    if (form.get("prompt") === "login") {
      form.set("login", login);
      form.set("password", "any password: the provider's dev pages take any");
    }
    url = new URL(unescapeHtml(action), url).href;
  }
  throw new Error("the provider never sent the browser back");
}

export type Finished = { status: number; text: string; session: string | undefined; refresh: string | null; clearsFlow: boolean };

/** The provider's answer handed to the edge's callback, with the flow cookie a browser would send (or none). */
export async function finishSignIn(callback: URL | string, flowCookie: string | undefined): Promise<Finished> {
  const res = await SELF.fetch(callback.toString(), { redirect: "manual", headers: flowCookie ? { Cookie: flowCookie } : {} });
  const text = await res.text();
  const session = cookieOf(res, "edgevault_session");
  const clearsFlow = res.headers
    .getAll("set-cookie")
    .some((line) => line.startsWith("edgevault_sso_flow=;") || /^edgevault_sso_flow=[^;]*;.*Max-Age=0/i.test(line));
  return { status: res.status, text, session, refresh: res.headers.get("refresh"), clearsFlow };
}

/** A whole sign-in through the provider: started with `query`, `login` at the provider, finished by the same browser. */
export async function ssoSignIn(query: Record<string, string>, login: string): Promise<Finished> {
  const started = await startSignIn(query);
  if (!started.authorizationUrl || !started.cookie) throw new Error(`the sign-in did not start: ${started.status} ${started.text.slice(0, 300)}`);
  return finishSignIn(await atProvider(started.authorizationUrl, login), started.cookie);
}

/** A finished sign-in's session as the pages' helpers take it. */
export async function browserOfSession(session: string): Promise<Browser> {
  return { cookie: session, csrf: await csrfTokenFor(session.slice(session.indexOf("=") + 1)) };
}

/** Who a session cookie belongs to (GET /v1/whoami with it). */
export async function whoamiOf(session: string) {
  const res = await SELF.fetch(`${BASE}/v1/whoami`, { headers: { Cookie: session } });
  return { status: res.status, body: (await res.json()) as { id?: string; email?: string; company?: { id: string }; company_role?: string } };
}
