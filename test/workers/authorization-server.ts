/**
 * Worker-side view of the test authorization servers (test/support/authorization-server.ts): a
 * spec starts real oidc-provider servers of its own through the control door that global-setup.ts
 * runs in Node, registers clients on them, counts their token-endpoint calls, makes them refuse,
 * and walks their consent pages as a person would (test/support/authorization-consent.ts).
 */
import { inject } from "vitest";
import type { StartedAuthorizationServer } from "../support/authorization-server-control.ts";
import type { IssuedTokens, TestAccount, TokenCall } from "../support/authorization-server.ts";
import type { GrantedTokens } from "../support/authorization-consent.ts";

export type { TokenCall } from "../support/authorization-server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    authorizationControlPort: number;
  }
}

type Client = { client_id: string; client_secret?: string };

async function control<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${inject("authorizationControlPort")}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = (await response.json()) as T & { error?: string };
  if (!response.ok) throw new Error(`authorization control ${method} ${path}: ${response.status} ${answer.error ?? ""}`);
  return answer;
}

export type TestProvider = StartedAuthorizationServer & {
  /** A confidential client of this server (client_secret_post unless told otherwise). */
  registerClient(metadata: Record<string, unknown>): Promise<Client & { client_secret: string }>;
  /** Every token-endpoint call so far (grant type, client, how it authenticated; never a secret); with `atLeast`, once there are that many. */
  tokenCalls(clientId?: string, atLeast?: number): Promise<TokenCall[]>;
  refuseTokens(error: "invalid_grant" | "invalid_client" | "temporarily_unavailable" | null): Promise<void>;
  /** Every access, refresh and ID token a successful token call handed out, oldest first. */
  issuedTokens(): Promise<IssuedTokens[]>;
  addAccount(account: TestAccount): Promise<void>;
  /** Signs in as `account` at the server's own pages and consents (or aborts); the redirect back to the client. */
  consent(authorizeUrl: string, account: string, deny?: boolean): Promise<string>;
  /** A refresh token for `client`, as a person would obtain and paste it. */
  grant(client: Client & { redirect_uri: string }, account: string, scope?: string): Promise<GrantedTokens>;
  stop(): Promise<void>;
};

/** A fresh authorization server for this spec (PKCE required, refresh tokens rotated on every use). */
export async function startProvider(options: { accessTokenTtl?: number; accounts?: TestAccount[] } = {}): Promise<TestProvider> {
  const started = await control<StartedAuthorizationServer>("POST", "/servers", options);
  const at = (path: string) => `/servers/${started.id}${path}`;
  return {
    ...started,
    registerClient: (metadata) => control("POST", at("/clients"), metadata),
    tokenCalls: async (clientId, atLeast) => {
      const calls = await control<TokenCall[]>("GET", at(`/token-calls${atLeast ? `?count=${atLeast}` : ""}`));
      return clientId === undefined ? calls : calls.filter((c) => c.clientId === clientId);
    },
    issuedTokens: () => control<IssuedTokens[]>("GET", at("/issued-tokens")),
    refuseTokens: async (error) => {
      await control("POST", at("/refuse"), { error });
    },
    addAccount: async (account) => {
      await control("POST", at("/accounts"), account);
    },
    consent: async (url, account, deny) => (await control<{ location: string }>("POST", at("/consent"), { url, account, deny })).location,
    grant: (client, account, scope) => control("POST", at("/grant"), { client, account, ...(scope ? { scope } : {}) }),
    stop: async () => {
      await control("DELETE", at(""));
    },
  };
}

/** A client that may hold refresh tokens (code + refresh grants, confidential), its redirect URI the edge's callback by default. */
export function refreshingClient(provider: TestProvider, redirectUri = "https://edge.test/oauth/callback", authMethod = "client_secret_post") {
  return provider.registerClient({
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: authMethod,
    redirect_uris: [redirectUri],
    scope: "openid offline_access read write",
  });
}

/** A client of the client-credentials grant only. */
export function machineClient(provider: TestProvider, authMethod: "client_secret_post" | "client_secret_basic" = "client_secret_post") {
  return provider.registerClient({
    grant_types: ["client_credentials"],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: authMethod,
    scope: "read write",
  });
}
