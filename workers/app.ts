/**
 * Builds the edge API: what every request passes first (its method, its host, its body's cap),
 * the database handle (built once per isolate, db/client.ts), area routers, the OpenAPI
 * document, and the one error handler that turns every failure into `{error, message}` JSON.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { Hono, type Context, type MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env.ts";
import { bodyCapFor, bodyOverCap, limitBody } from "./body-caps.ts";
import { configOf, publicOriginOf } from "./config.ts";
import { createDatabase } from "./db/client.ts";
import { countingD1 } from "./db/query-counter.ts";
import type { PermissionTable } from "./auth/hold-to-row.ts";
import { PERMISSIONS } from "./auth/permission-table.ts";
import { AppError } from "./lib/app-error.ts";
import { PROBLEM_JSON, problemDetails, wantsProblemDetails } from "./lib/http/problem-details.ts";
import { servesHost } from "./lib/http/served-host.ts";
import { validationError } from "./lib/validation-error.ts";
import { agentsArea } from "./agents/agents.index.ts";
import { auditRouter } from "./audit/audit.handlers.ts";
import { chainRouter } from "./chain/chain.handlers.ts";
import { authRouter } from "./sign-in/sign-in.handlers.ts";
import { cliLoginsRouter } from "./cli-logins/cli-logins.handlers.ts";
import { companiesRouter, platformRouter } from "./companies/companies.handlers.ts";
import { credentialsRouter } from "./credentials/credentials.handlers.ts";
import { discoverRouter } from "./discover/discover.handlers.ts";
import { logsRouter } from "./request-log/request-log.handlers.ts";
import { proposalsRouter } from "./proposals/proposals.handlers.ts";
import { requestsRouter } from "./requests/requests.handlers.ts";
import { pagesRouter } from "./console/console.handlers.ts";
import { EveryHandlerRouter } from "./proxy/every-handler-router.ts";
import { PROXY_DOC, proxyRouter } from "./proxy/proxy.handlers.ts";
import { webhooksRouter } from "./webhooks/webhooks.handlers.ts";
import { DOCS_CSP, renderDocsPage } from "./meta/docs-page.ts";
import { identityRouter } from "./identity/identity.handlers.ts";
import { passportsRouter } from "./passports/passports.handlers.ts";
import { health } from "./meta/meta.routes.ts";
import { masterKeyRouter } from "./companies/master-key.handlers.ts";
import { realmsRouter } from "./realms/realms.handlers.ts";
import { registrationsRouter } from "./registrations/registrations.handlers.ts";
import { tokenExchangeRouter } from "./token-exchange/token-exchange.handlers.ts";
import { servicesRouter } from "./services/services.handlers.ts";
import { sessionsRouter } from "./sessions/sessions.handlers.ts";
import { skillRouter } from "./skill/skill.handlers.ts";
import { ssoRouter } from "./sso/sso.handlers.ts";
import { oauthRouter } from "./oauth/oauth.handlers.ts";
import { usersRouter } from "./users/users.handlers.ts";
import { vaultAgentsRouter } from "./vault-agents/vault-agents.handlers.ts";
import { vaultsRouter } from "./vaults/vaults.handlers.ts";

export { CONTROL_PLANE_BODY_LIMIT } from "./body-caps.ts";

export type AppOptions = {
  /**
   * The permission table every entry reads its rows from at run time; the real one by default. A
   * test build hands it a table missing a row to see each entry refuse (test/workers/one-door.spec.ts).
   */
  permissions?: PermissionTable;
};

export function buildApp({ permissions = PERMISSIONS }: AppOptions = {}) {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error);
    },
  });

  const prelude = preludeFor(permissions);
  app.use("*", prelude);

  app.openapi(health, (c) => c.json({ status: "ok" as const, environment: configOf(c.env).environment }, 200));
  // Areas own disjoint paths (the one clash, /v1/agents/invites vs /v1/agents/{agentId}, is
  // settled inside agents/agents.index.ts), so the order here means nothing.
  const areas = [
    platformRouter,
    companiesRouter,
    ssoRouter,
    authRouter,
    cliLoginsRouter,
    usersRouter,
    vaultsRouter,
    servicesRouter,
    oauthRouter,
    credentialsRouter,
    auditRouter,
    chainRouter,
    masterKeyRouter,
    realmsRouter,
    agentsArea,
    registrationsRouter,
    identityRouter,
    passportsRouter,
    tokenExchangeRouter,
    vaultAgentsRouter,
    sessionsRouter,
    logsRouter,
    webhooksRouter,
    discoverRouter,
    proposalsRouter,
    requestsRouter,
    proxyRouter,
    pagesRouter,
    skillRouter,
  ];
  for (const area of areas) app.route("/", area);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", { type: "http", scheme: "bearer" });
  for (const method of ["get", "head", "options", "post", "put", "patch", "delete"] as const) app.openAPIRegistry.registerPath({ ...PROXY_DOC, method });
  const documentConfig = {
    openapi: "3.1.0",
    info: { title: "Edgevault API", version: "0.1.0", description: "Credential broker and identity provider for AI agents." },
  };
  app.doc31("/openapi.json", documentConfig);
  app.get("/docs", (c) => {
    const page = renderDocsPage(app.getOpenAPI31Document(documentConfig));
    return c.html(page, 200, { "Content-Security-Policy": DOCS_CSP });
  });

  app.notFound(noSuchRoute);
  app.onError(errorResponse);

  // `/proxy/*`, the hot path, is answered by an app of its own: the same prelude, handler and
  // error handler, without matching the path against every route of the API (bench/README.md).
  // Its routes are the prelude (`*`) and `/proxy/*`, which every path sent here matches, so it is
  // not routed at all (proxy/every-handler-router.ts).
  const proxyApp = new Hono<AppEnv>({ router: new EveryHandlerRouter("/proxy/") });
  proxyApp.use("*", prelude);
  proxyApp.route("/", proxyRouter);
  proxyApp.notFound(noSuchRoute);
  proxyApp.onError(errorResponse);
  const everyRoute = app.fetch;
  app.fetch = (request, env, ctx) => (isProxyPath(request.url) ? proxyApp.fetch(request, env, ctx) : everyRoute(request, env, ctx));
  return app;
}

function noSuchRoute(): never {
  throw new AppError(404, "not_found", "No such route");
}

/** What every request passes first: its method, its host, its body's cap; the database handle and permission table it is served with. */
function preludeFor(permissions: PermissionTable): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const url = new URL(c.req.url);
    requireRoutableMethod(c.req.method);
    requireServedHost(c, url.hostname);
    limitBody(c, bodyCapFor(c.req.method, url.pathname));
    c.set("db", createDatabase(countingD1(c.env.DB)));
    c.set("permissions", permissions);
    await next();
  };
}

/** True when a request URL's path starts `/proxy/` as written (a path spelt otherwise still reaches the proxy through every route). */
function isProxyPath(url: string): boolean {
  const scheme = url.indexOf("://");
  const path = url.indexOf("/", scheme === -1 ? 0 : scheme + 3);
  return path !== -1 && url.startsWith("/proxy/", path);
}

/**
 * workerd answers `CONNECT` itself before any Worker runs (docs/security.md); should a runtime
 * hand one over, it is refused here rather than routed as if it were a GET.
 */
function requireRoutableMethod(method: string): void {
  if (method === "CONNECT") {
    throw new AppError(
      405,
      "method_not_allowed",
      "CONNECT is not served here: the edge is not a forward proxy (use the CLI's local proxy, edgevault vault run)",
      {
        headers: { Allow: "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS" },
      },
    );
  }
}

/**
 * Only the hosts the edge serves (lib/http/served-host.ts) get an answer: a request that reached it
 * under another name (a DNS-rebinding page, a `workers.dev` address, an absolute-form target the
 * runtime let through) is 421 before anything else runs.
 */
function requireServedHost(c: Context<AppEnv>, hostname: string): void {
  const origin = publicOriginOf(c.env);
  const { baseDomain } = configOf(c.env);
  if (servesHost(hostname, origin, baseDomain)) return;
  const where = baseDomain ? `${origin} (and each company's <company>.${baseDomain})` : origin;
  throw new AppError(421, "misdirected_request", `This edge does not serve that host; it answers at ${where}`);
}

/** The one place errors become responses. Unknown errors become a bare 500. */
export function errorResponse(error: unknown, c: Context<AppEnv>): Response {
  // A body over its cap is a 413, whatever its reader made of the cut-off stream.
  const appError = bodyOverCap(c) ?? toAppError(error);
  if (appError.status >= 500 && (appError.cause !== undefined || !(error instanceof AppError))) {
    // Log the internal reason; never the request body or headers, which may carry secrets. The
    // message is the one the client gets (it names the fix): the runtime's own reason for a failed
    // fetch is often only "internal error; reference = …".
    const entry = {
      level: appError.status === 500 ? "error" : "warn",
      code: appError.code,
      path: new URL(c.req.url).pathname,
      message: appError.message,
      reason: describeCause(error),
    };
    (appError.status === 500 ? console.error : console.warn)(JSON.stringify(entry));
  }
  // RFC 9457 when the client asks for it (lib/http/problem-details.ts); the seeds' JSON otherwise.
  const problem = wantsProblemDetails(c.req.header("Accept"));
  const body = problem
    ? problemDetails(appError.status, appError.code, appError.message, appError.extra)
    : { error: appError.code, message: appError.message, ...appError.extra };
  const contentType = problem ? PROBLEM_JSON : "application/json; charset=utf-8";
  return new Response(JSON.stringify(body), {
    status: appError.status,
    headers: { "Content-Type": contentType, "Cache-Control": "no-store", "X-Edgevault-Error": appError.code, ...appError.headers },
  });
}

function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof HTTPException) {
    // Hono raises these for malformed JSON and similar request-level problems.
    if (error.status === 400 && /json/i.test(error.message)) return new AppError(400, "malformed_json", "The request body is not valid JSON");
    if (error.status === 413) return new AppError(413, "payload_too_large", "Request body too large");
    if (error.status === 415) return new AppError(415, "unsupported_media_type", "Send a JSON body with Content-Type: application/json");
    return new AppError(error.status, "bad_request", error.message || "Bad request");
  }
  return new AppError(500, "internal_error", "Internal error", { cause: error });
}

function describeCause(error: unknown): string {
  const cause = error instanceof AppError ? error.cause : error;
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}
