/**
 * The test authorization servers, reachable over HTTP from suites that cannot call Node functions:
 * the Worker suite runs in workerd, so its globalSetup starts this control server and `provide`s
 * its port (test/workers/authorization-server.ts is the specs' side). Each spec starts servers of
 * its own (`POST /servers`), so parallel files never count each other's token calls or refuse each
 * other's clients. Every route is a thin door onto `startAuthorizationServer` and the consent
 * walk of authorization-consent.ts: the servers are the real oidc-provider either way.
 *
 * - `POST /servers {accessTokenTtl?, accounts?}` → the new server's issuer and endpoints (`id`)
 * - `POST /servers/<id>/clients {…metadata}` → a registered client (dynamic registration)
 * - `GET /servers/<id>/token-calls[?count=N&timeout_ms=T]` → every token-endpoint call so far (no
 *   secrets); with `count`, answered once there are N (or T ms passed), so a spec awaits a background refresh
 * - `GET /servers/<id>/issued-tokens` → every token a successful token call handed out (leak canaries look for them)
 * - `POST /servers/<id>/refuse {error}` → refuse every token call with `error` (null: stop)
 * - `POST /servers/<id>/accounts {id, email, groups?}` → another account it can sign in
 * - `POST /servers/<id>/consent {url, account, deny?}` → `{location}`: the redirect back to the client
 * - `POST /servers/<id>/grant {client, account, scope?}` → a refresh token obtained as a client would
 * - `DELETE /servers/<id>` → stopped
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { consentThrough, grantRefreshToken } from "./authorization-consent.ts";
import { type AuthorizationServer, type AuthorizationServerOptions, startAuthorizationServer, type TestAccount } from "./authorization-server.ts";

export type AuthorizationServerControl = { port: number; close(): Promise<void> };

/** What `POST /servers` answers: where the new server is, as discovery names it. */
export type StartedAuthorizationServer = {
  id: string;
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  registrationEndpoint: string;
};

type Json = Record<string, unknown>;

export async function startAuthorizationServerControl(): Promise<AuthorizationServerControl> {
  const servers = new Map<string, AuthorizationServer>();
  let next = 0;

  async function route(method: string, path: string, body: Json, query: URLSearchParams): Promise<[number, unknown]> {
    if (method === "POST" && path === "/servers") {
      const server = await startAuthorizationServer(body as AuthorizationServerOptions);
      const id = String(++next);
      servers.set(id, server);
      const started: StartedAuthorizationServer = {
        id,
        issuer: server.issuer,
        authorizationEndpoint: server.authorizationEndpoint,
        tokenEndpoint: server.tokenEndpoint,
        registrationEndpoint: server.registrationEndpoint,
      };
      return [201, started];
    }
    const match = /^\/servers\/([^/]+)(\/[a-z-]+)?$/.exec(path);
    const server = match ? servers.get(match[1] ?? "") : undefined;
    if (!match || !server) return [404, { error: "no such server" }];
    const action = `${method} ${match[2] ?? ""}`;
    switch (action) {
      case "POST /clients":
        return [201, await server.registerClient(body)];
      case "GET /token-calls": {
        const count = Number(query.get("count") ?? 0);
        const until = Date.now() + Math.min(Number(query.get("timeout_ms") ?? 5000), 30_000);
        while (server.tokenCalls().length < count && Date.now() < until) await server.nextTokenCall(until - Date.now());
        return [200, server.tokenCalls()];
      }
      case "GET /issued-tokens":
        return [200, server.issuedTokens()];
      case "POST /refuse":
        server.refuseTokens((body.error ?? null) as Parameters<AuthorizationServer["refuseTokens"]>[0]);
        return [200, { refusing: body.error ?? null }];
      case "POST /accounts":
        server.addAccount(body as TestAccount);
        return [201, { added: body.id }];
      case "POST /consent":
        return [200, { location: await consentThrough(String(body.url), { account: String(body.account), deny: body.deny === true }) }];
      case "POST /grant":
        return [
          200,
          await grantRefreshToken(server, body.client as { client_id: string; client_secret?: string; redirect_uri: string }, {
            account: String(body.account),
            ...(typeof body.scope === "string" ? { scope: body.scope } : {}),
          }),
        ];
      case "DELETE ":
        servers.delete(match[1] ?? "");
        await server.close();
        return [200, { stopped: true }];
      default:
        return [404, { error: `no route ${action}` }];
    }
  }

  const control = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString("utf8");
      let status: number;
      let answer: unknown;
      try {
        const url = new URL(req.url ?? "/", "http://control");
        [status, answer] = await route(req.method ?? "GET", url.pathname, text ? (JSON.parse(text) as Json) : {}, url.searchParams);
      } catch (error) {
        [status, answer] = [500, { error: error instanceof Error ? error.message : String(error) }];
      }
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(answer));
    })();
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
  return {
    port: (control.address() as AddressInfo).port,
    async close() {
      await Promise.allSettled([...servers.values()].map((s) => s.close()));
      await new Promise<void>((resolve) => control.close(() => resolve()));
    },
  };
}
