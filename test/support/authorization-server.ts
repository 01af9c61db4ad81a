/**
 * A real OAuth 2.0 / OpenID Connect authorization server for the tests: oidc-provider on a free
 * loopback port, in memory, with what the edge must cope with turned on — PKCE required for every
 * client, refresh tokens on every code grant and rotated on every use, client credentials, dynamic
 * client registration (so a test registers a client whose redirect URI names the edge it started),
 * and oidc-provider's own login and consent pages (devInteractions) for the browser tests. Not a
 * mock: the edge speaks to it as it would to GitHub's or Entra's token endpoint. The test controls
 * only what a real provider would decide on its own: its accounts, and whether it refuses.
 */
import { createHash } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import Provider, { type Configuration } from "oidc-provider";

/**
 * A person the provider can sign in (devInteractions: any password; the login is the account id).
 * Any other login signs in too, as `<login>@example.test`, or as the login itself when it is an address.
 */
export type TestAccount = { id: string; email: string; name?: string; groups?: readonly string[] };

/**
 * One call to the token endpoint, as the provider saw it: never a secret (no client secret, code,
 * verifier or token), only what a test asserts about the request's shape.
 */
export type TokenCall = {
  grantType: string;
  clientId: string | undefined;
  at: number;
  /** How the client authenticated: a secret in the body, in HTTP Basic, or none. */
  clientAuth: "client_secret_post" | "client_secret_basic" | "none";
  /** `scope`, `audience` and `resource` as sent (absent: not sent). */
  scope?: string;
  audience?: string;
  resource?: string;
  /** SHA-256 (hex) of the refresh token presented, so a test can tell which one the client used without seeing it. */
  refreshTokenSha256?: string;
};

/** The tokens one successful token-endpoint call handed out (what leak canaries look for). */
export type IssuedTokens = { access_token?: string; id_token?: string; refresh_token?: string };

export type AuthorizationServer = {
  /** `http://127.0.0.1:<port>`: the issuer, and the base of every endpoint (discovery at /.well-known/openid-configuration). */
  issuer: string;
  port: number;
  /** Endpoints, as discovery names them. */
  authorizationEndpoint: string;
  tokenEndpoint: string;
  registrationEndpoint: string;
  /** Every call to the token endpoint since start (or `resetTokenCalls`), oldest first. */
  tokenCalls(): readonly TokenCall[];
  resetTokenCalls(): void;
  /** Resolves at the next call to the token endpoint, or after `timeoutMs` (whichever first). */
  nextTokenCall(timeoutMs: number): Promise<void>;
  /** The tokens every successful token-endpoint call handed out, oldest first. */
  issuedTokens(): readonly IssuedTokens[];
  /** From now on the token endpoint answers every call with this OAuth error (400), until `null`. */
  refuseTokens(error: "invalid_grant" | "invalid_client" | "temporarily_unavailable" | null): void;
  /** Registers a client (dynamic registration); returns its id and, for confidential clients, its secret. */
  registerClient(metadata: Record<string, unknown>): Promise<{ client_id: string; client_secret?: string }>;
  addAccount(account: TestAccount): void;
  close(): Promise<void>;
};

export type AuthorizationServerOptions = {
  accounts?: readonly TestAccount[];
  /** Access token lifetime in seconds (default 3600): short values test expiry and refresh. */
  accessTokenTtl?: number;
};

export async function startAuthorizationServer(options: AuthorizationServerOptions = {}): Promise<AuthorizationServer> {
  const accounts = new Map((options.accounts ?? []).map((a) => [a.id, a]));
  const calls: TokenCall[] = [];
  const issued: IssuedTokens[] = [];
  let refusal: string | null = null;
  /** Who waits for the next token call (nextTokenCall). */
  let waiters: (() => void)[] = [];
  const called = () => {
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake();
  };

  // The issuer must be known before the provider is built; the port only after listen: reserve one first.
  const probe = (await import("node:net")).createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const issuer = `http://127.0.0.1:${port}`;

  const configuration: Configuration = {
    clients: [],
    scopes: ["openid", "offline_access", "email", "profile", "groups", "read", "write"],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], groups: ["groups"] },
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      registration: { enabled: true },
      revocation: { enabled: true },
    },
    pkce: { required: () => true },
    // Every code grant gets a refresh token, and every use of one rotates it (the edge must store the new one first).
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    rotateRefreshToken: () => true,
    ttl: { AccessToken: options.accessTokenTtl ?? 3600, ClientCredentials: options.accessTokenTtl ?? 3600, RefreshToken: 14 * 24 * 3600 },
    async findAccount(_ctx, id) {
      // A login the provider does not know is someone new: an address as the login is their address.
      const account = accounts.get(id) ?? { id, email: id.includes("@") ? id : `${id}@example.test` };
      return {
        accountId: account.id,
        async claims() {
          return { sub: account.id, email: account.email, email_verified: true, name: account.name ?? account.id, groups: [...(account.groups ?? [])] };
        },
      };
    },
    // Tokens the edge presents to an upstream: opaque is what most providers hand out.
    formats: { customizers: {} },
  };
  const provider = new Provider(issuer, configuration);
  provider.proxy = false;

  // Counted and, when told to, refused before the provider sees the call: what a real provider's outage or revocation looks like.
  provider.use(async (ctx, next) => {
    if (ctx.path === "/token" && ctx.method === "POST") {
      const raw = await readRaw(ctx.req);
      const body = new URLSearchParams(raw);
      calls.push(tokenCallOf(body, ctx.get("authorization")));
      called();
      if (refusal) {
        ctx.status = 400;
        ctx.type = "application/json";
        ctx.body = JSON.stringify({ error: refusal, error_description: "refused by the test" });
        return;
      }
      // The stream is spent: oidc-provider reads a parsed request's `req.body` instead (selective_body.js).
      (ctx.req as unknown as { body: string }).body = raw;
      await next();
      if (ctx.status === 200 && ctx.body && typeof ctx.body === "object") {
        const { access_token, id_token, refresh_token } = ctx.body as IssuedTokens;
        issued.push({ access_token, id_token, refresh_token });
      }
      return;
    }
    await next();
  });

  const server: Server = provider.listen(port);
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));

  return {
    issuer,
    port,
    authorizationEndpoint: `${issuer}/auth`,
    tokenEndpoint: `${issuer}/token`,
    registrationEndpoint: `${issuer}/reg`,
    tokenCalls: () => calls,
    issuedTokens: () => issued,
    resetTokenCalls: () => {
      calls.length = 0;
    },
    nextTokenCall: (timeoutMs) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, timeoutMs));
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
    refuseTokens: (error) => {
      refusal = error;
    },
    async registerClient(metadata) {
      const res = await fetch(`${issuer}/reg`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(metadata) });
      if (res.status !== 201) throw new Error(`client registration failed: ${res.status} ${await res.text()}`);
      return (await res.json()) as { client_id: string; client_secret?: string };
    },
    addAccount(account) {
      accounts.set(account.id, account);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function tokenCallOf(body: URLSearchParams, authorization: string | undefined): TokenCall {
  const basic = basicClientId(authorization);
  const call: TokenCall = {
    grantType: body.get("grant_type") ?? "",
    clientId: body.get("client_id") ?? basic,
    at: Date.now(),
    clientAuth: basic !== undefined ? "client_secret_basic" : body.has("client_secret") ? "client_secret_post" : "none",
  };
  for (const name of ["scope", "audience", "resource"] as const) {
    const value = body.get(name);
    if (value !== null) call[name] = value;
  }
  const refreshToken = body.get("refresh_token");
  if (refreshToken !== null) call.refreshTokenSha256 = createHash("sha256").update(refreshToken).digest("hex");
  return call;
}

function basicClientId(authorization: string | undefined): string | undefined {
  if (!authorization?.startsWith("Basic ")) return undefined;
  const decoded = Buffer.from(authorization.slice(6), "base64").toString("utf8");
  return decodeURIComponent(decoded.split(":")[0] ?? "");
}

async function readRaw(req: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}
