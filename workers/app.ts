/**
 * Builds the edge API: the database handle (built once per isolate, db/client.ts), body limits,
 * area routers, the OpenAPI document, and the one error handler that turns every failure into
 * `{error, message}` JSON.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { Context } from "hono";
import type { AppEnv } from "./app-env.ts";
import { configOf } from "./config.ts";
import { createDatabase } from "./db/client.ts";
import { countingD1 } from "./db/query-counter.ts";
import { AppError } from "./lib/app-error.ts";
import { validationError } from "./lib/validation-error.ts";
import { agentsArea } from "./agents/agents.index.ts";
import { auditRouter } from "./audit/audit.handlers.ts";
import { authRouter } from "./sign-in/sign-in.handlers.ts";
import { companiesRouter, platformRouter } from "./companies/companies.handlers.ts";
import { credentialsRouter } from "./credentials/credentials.handlers.ts";
import { discoverRouter } from "./discover/discover.handlers.ts";
import { logsRouter } from "./request-log/request-log.handlers.ts";
import { proposalsRouter } from "./proposals/proposals.handlers.ts";
import { pagesRouter } from "./pages/pages.handlers.ts";
import { PROXY_DOC, proxyRouter } from "./proxy/proxy.handlers.ts";
import { webhooksRouter } from "./webhooks/webhooks.handlers.ts";
import { DOCS_CSP, renderDocsPage } from "./meta/docs-page.ts";
import { identityRouter } from "./identity/identity.handlers.ts";
import { health } from "./meta/meta.routes.ts";
import { masterKeyRouter } from "./companies/master-key.handlers.ts";
import { realmsRouter } from "./realms/realms.handlers.ts";
import { registrationsRouter } from "./registrations/registrations.handlers.ts";
import { tokenExchangeRouter } from "./token-exchange/token-exchange.handlers.ts";
import { servicesRouter } from "./services/services.handlers.ts";
import { sessionsRouter } from "./sessions/sessions.handlers.ts";
import { skillRouter } from "./skill/skill.handlers.ts";
import { usersRouter } from "./users/users.handlers.ts";
import { vaultAgentsRouter } from "./vault-agents/vault-agents.handlers.ts";
import { vaultsRouter } from "./vaults/vaults.handlers.ts";

/** Control-plane request bodies are capped at 1 MiB. */
export const CONTROL_PLANE_BODY_LIMIT = 1024 * 1024;

export function buildApp() {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error);
    },
  });

  app.use("*", async (c, next) => {
    c.set("db", createDatabase(countingD1(c.env.DB)));
    await next();
  });
  app.use(
    "/v1/*",
    bodyLimit({
      maxSize: CONTROL_PLANE_BODY_LIMIT,
      onError: () => {
        throw new AppError(413, "payload_too_large", `Request bodies are limited to ${CONTROL_PLANE_BODY_LIMIT} bytes`);
      },
    }),
  );

  app.openapi(health, (c) => c.json({ status: "ok" as const, environment: configOf(c.env).environment }, 200));
  // Areas own disjoint paths (the one clash, /v1/agents/invites vs /v1/agents/{agentId}, is
  // settled inside agents/agents.index.ts), so the order here means nothing.
  const areas = [
    platformRouter,
    companiesRouter,
    authRouter,
    usersRouter,
    vaultsRouter,
    servicesRouter,
    credentialsRouter,
    auditRouter,
    masterKeyRouter,
    realmsRouter,
    agentsArea,
    registrationsRouter,
    identityRouter,
    tokenExchangeRouter,
    vaultAgentsRouter,
    sessionsRouter,
    logsRouter,
    webhooksRouter,
    discoverRouter,
    proposalsRouter,
    proxyRouter,
    pagesRouter,
    skillRouter,
  ];
  for (const area of areas) app.route("/", area);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", { type: "http", scheme: "bearer" });
  for (const method of ["get", "post", "put", "patch", "delete"] as const) app.openAPIRegistry.registerPath({ ...PROXY_DOC, method });
  const documentConfig = {
    openapi: "3.1.0",
    info: { title: "Edgevault API", version: "0.1.0", description: "Credential broker and identity provider for AI agents." },
  };
  app.doc31("/openapi.json", documentConfig);
  app.get("/docs", (c) => {
    const page = renderDocsPage(app.getOpenAPI31Document(documentConfig));
    return c.html(page, 200, { "Content-Security-Policy": DOCS_CSP });
  });

  app.notFound(() => {
    throw new AppError(404, "not_found", "No such route");
  });
  app.onError((error, c) => errorResponse(error, c));
  return app;
}

/** The one place errors become responses. Unknown errors become a bare 500. */
export function errorResponse(error: unknown, c: Context<AppEnv>): Response {
  const appError = toAppError(error);
  if (appError.status >= 500 && (appError.cause !== undefined || !(error instanceof AppError))) {
    // Log the internal reason; never the request body or headers, which may carry secrets.
    const entry = { level: appError.status === 500 ? "error" : "warn", code: appError.code, path: new URL(c.req.url).pathname, reason: describeCause(error) };
    (appError.status === 500 ? console.error : console.warn)(JSON.stringify(entry));
  }
  const body = { error: appError.code, message: appError.message, ...appError.extra };
  return new Response(JSON.stringify(body), {
    status: appError.status,
    headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", "X-Edgevault-Error": appError.code, ...appError.headers },
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
