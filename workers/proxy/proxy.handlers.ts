/**
 * `ANY /proxy/<host>/<path>` (seeds 000/001): the hot path. One ActorGate round trip (token,
 * grant, budget; the in-flight slot's release rides on the next one), vault config from the
 * isolate cache, decrypt only the matched service's credentials, forward with both bodies
 * streamed, log after the response. No D1 query once warm.
 */
import { z, type RouteConfig } from "@hono/zod-openapi";
import { Hono, type Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { actorGate, gateName } from "../auth/actor-gate-client.ts";
import { configOf, publicOriginOf } from "../config.ts";
import type { GateActor, LeaseRef } from "../../durable-objects/actor-gate.rpc.ts";
import { clientResponseHeaders, upstreamRequestHeaders } from "../lib/http/forward-headers.ts";
import { matchService, parseProxyTarget, type ProxyTarget, refuseDotSegments } from "../lib/http/host-pattern.ts";
import { injectedHeaders, OAUTH_ACCESS_TOKEN } from "../lib/http/inject-auth.ts";
import { keysSentBy, substitutionKeys } from "../lib/http/substitutions.ts";
import { AppError } from "../lib/app-error.ts";
import { type Admitted, admitRequest, requireProxiedMethod } from "./admission.ts";
import { releaseLater, releaseNow } from "./lease-releases.ts";
import { type ApprovalHold, approvalHold } from "./request-hold.ts";
import { type AccessRefusal, isolateAccessTokens } from "./oauth-access.ts";
import { replayableBody } from "./replayable-body.ts";
import { handedOnBody } from "./answer-body.ts";
import * as errors from "./proxy-errors.ts";
import { RequestedMethods, refusedMethod, responseRedaction, secretsToRedact, substitutedRequest } from "./request-rules.ts";
import { logProxyRequest, type RequestLogRow } from "../request-log/request-log.writer.ts";
import { openCredentials, recheckVaultConfig, redactionTableOf, type ServicePlan, type ServiceRecord, vaultConfig, type VaultConfig } from "./vault-config.ts";

export const proxyRouter = new Hono<AppEnv>();

proxyRouter.all("/proxy/*", async (c) => {
  requireProxiedMethod(c.req.method);
  const startedAt = Date.now();
  const url = new URL(c.req.url);
  // Work on the raw path: percent-encoding in the host segment must be refused, not decoded.
  const rest = url.pathname.slice("/proxy/".length);
  const slash = rest.indexOf("/");
  const hostSegment = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? "/" : rest.slice(slash);

  const logFor = requestLogger(c, hostSegment, path, startedAt);
  const admission = await admitRequest(c, { method: c.req.method, host: hostSegment, path });
  const log = logFor(admission);
  const releaseLease = () => releaseSlot(c, admission);

  try {
    // `new URL()` above resolves `..` and `%2e%2e` segments instead of refusing them; workerd
    // and Cloudflare's URL normalisation usually resolve them even earlier, but where a raw
    // target gets through, the agent's ambiguous path is refused rather than reinterpreted.
    refuseDotSegments(requestTargetPath(c.req.url));
    const target = parseProxyTarget(hostSegment, path, { allowPrivate: configOf(c.env).allowPrivateUpstreams });
    const cached = await vaultConfig(c.get("db"), c.env, admission.actor.companyId, admission.vault.id, (p) => c.executionCtx.waitUntil(p));
    // A service that needs a person holds the request here, after its method is checked and before any credential is opened (request-hold.ts).
    const hold = approvalHold(c, admission, { method: c.req.method, host: hostSegment.slice(0, 255), path: path.slice(0, 1024) });
    const accessToken = oauthAccess(c, admission);
    // The request's method and any it names to override it (X-HTTP-Method-Override, `_method`): a `methods` rule holds them all.
    const asked = new RequestedMethods(c.req.raw, url.search);
    let found = await resolveService(cached, target, asked, hold, accessToken);
    // A refusal never rests on a stale copy: read the vault once more (the retry after `applied`). A provider's refusal is its own.
    if (!found.ok && found.refusal !== "oauth")
      found = await resolveService(await recheckVaultConfig(c.get("db"), c.env, cached), target, asked, hold, accessToken);
    if (!found.ok) {
      if (found.refusal === "no_service") throw errors.noServiceForHost(hostSegment, admission.vault.name, publicOriginOf(c.env));
      if (found.refusal === "disabled") throw errors.serviceDisabled(found.service.name, hostSegment);
      if (found.refusal === "method") throw errors.methodNotAllowedByService(found.service, found.method, hostSegment, admission.vault.name);
      if (found.refusal === "oauth") throw oauthRefusal(c, found.service, admission.vault.name, found.answer);
      throw errors.credentialNotFound(found.missing, found.service.name);
    }
    const { service, config } = found;
    let { injection, values, table } = found;

    const origin = service.upstream ?? `https://${target.hostname}${target.port ? `:${target.port}` : ""}`;
    // Substitutions in the agent's path, query and headers; the injected headers go on after them.
    const request = substitutedRequest(service, values, { path: target.path, search: url.search, headers: c.req.raw.headers });
    const upstreamUrl = `${origin}${request.path}${request.search}`;
    // A WebSocket upgrade is the one hop-by-hop header we pass on: the runtime then hands back
    // the upstream's socket, and the credential rode on the handshake like on any request.
    const websocket = c.req.header("Upgrade")?.toLowerCase() === "websocket";
    const headersWith = (injected: Record<string, string>) => {
      const headers = upstreamRequestHeaders(request.headers, injected);
      if (websocket) headers.set("Upgrade", "websocket");
      return headers;
    };
    // An oauth service's request is replayed once after a 401 (a token the provider revoked early), so a small body is kept.
    const attempt = { url: `${origin}${target.path}`, service: service.name, vault: admission.vault.name };
    // The body as the methods rule left it (a form it read whole), kept for one retry when an oauth service's answer is 401.
    const forwarded = await asked.body();
    const body =
      service.auth.type !== "oauth" || websocket
        ? { replayable: false as const, body: forwarded }
        : forwarded instanceof Uint8Array
          ? { replayable: true as const, body: forwarded }
          : await replayableBody(c.req.raw);
    let upstream = await forward(c, upstreamUrl, headersWith(injection.headers), attempt, body.body);
    if (upstream.status === 401 && service.auth.type === "oauth" && body.replayable) {
      const rejected = values.get(OAUTH_ACCESS_TOKEN) ?? "";
      const again = await accessToken(config, service, rejected);
      if (!again.ok) {
        await upstream.body?.cancel();
        throw oauthRefusal(c, service, admission.vault.name, again);
      }
      if (again.token !== rejected) {
        await upstream.body?.cancel();
        values = new Map(values).set(OAUTH_ACCESS_TOKEN, again.token);
        injection = injectedHeaders(service.auth, values) as { headers: Record<string, string> };
        table = redactionTableOf(config, secretsToRedact(service, values));
        upstream = await forward(c, upstreamUrl, headersWith(injection.headers), attempt, body.body);
      }
    }
    // An interim answer (100 Continue, 103 Early Hints) handed back as if final, or a 101 nobody
    // asked for, is no answer an agent can be given: the runtime refuses to build a Response of it.
    if (upstream.status < 200 && !(websocket && upstream.webSocket)) {
      await upstream.body?.cancel();
      throw errors.upstreamInterimOnly(attempt, upstream.status);
    }
    if (websocket && upstream.webSocket) {
      log({ service: service.name, status: 101 });
      releaseLease();
      return new Response(null, { status: 101, webSocket: upstream.webSocket });
    }
    const redaction = responseRedaction(clientResponseHeaders(upstream.headers), upstream.body !== null, table);
    const counted = await handedOnBody(
      upstream,
      redaction.headers,
      attempt,
      (p) => c.executionCtx.waitUntil(p),
      (bytesOut) => {
        log({ service: service.name, status: upstream.status, bytesOut, redactions: redaction.redactions() });
        releaseLease();
      },
      redaction.body,
    );
    return new Response(counted, { status: upstream.status, statusText: upstream.statusText, headers: redaction.headers });
  } catch (error) {
    const appError = error instanceof AppError ? error : new AppError(500, "internal_error", "Internal error", { cause: error });
    // A request whose client left while it waited for a person was logged by its vault's RequestApprovals object.
    if (appError.extra.reason !== "client_gone") log({ status: appError.status, denial: appError.code });
    releaseLease();
    throw appError;
  }
});

/** Frees a finished request's in-flight slot: on the caller's next admit when the gate allows it, else now. */
function releaseSlot(c: Context<AppEnv>, admission: Admitted): void {
  const gate = gateName(admission.actor.root);
  const lease = { vaultId: admission.vault.id, leaseId: admission.leaseId };
  const send = (leases: LeaseRef[]) => actorGate(c.env, admission.actor.root).release(leases);
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
  if (admission.releaseMayWait) releaseLater(gate, lease, waitUntil, send);
  else waitUntil(releaseNow(gate, lease, send));
}

/** The path of a request URL as a string, without resolving anything in it (unlike `new URL()`). */
function requestTargetPath(url: string): string {
  const authority = url.indexOf("://");
  const start = url.indexOf("/", authority === -1 ? 0 : authority + 3);
  if (start === -1) return "/";
  const end = url.slice(start).search(/[?#]/);
  return end === -1 ? url.slice(start) : url.slice(start, start + end);
}

type Resolution =
  | ({ ok: true; service: ServiceRecord; config: VaultConfig } & ServicePlan)
  | { ok: false; refusal: "oauth"; service: ServiceRecord; answer: Exclude<AccessRefusal, { refusal: "missing" }> }
  | { ok: false; refusal: "no_service" }
  | { ok: false; refusal: "disabled"; service: ServiceRecord }
  | { ok: false; refusal: "method"; service: ServiceRecord; method: string }
  | { ok: false; refusal: "missing_credential"; service: ServiceRecord; missing: string };

/**
 * The service a target matches in this copy of the vault, the headers it injects and the values
 * it sends (its auth's and its substitutions'). A method the service does not forward is refused
 * first, so it is never held for a person; a service that needs one holds the request (`hold`)
 * before any credential is decrypted. An `oauth` service's client secret and refresh token are
 * never opened here (they go to its token endpoint only, from its OAuthTokens object): what it
 * sends is the access token `accessToken` obtains.
 */
async function resolveService(
  config: VaultConfig,
  target: ProxyTarget,
  asked: RequestedMethods,
  hold: ApprovalHold,
  accessToken: AccessTokenOf,
): Promise<Resolution> {
  const service = matchService(config.services, target);
  if (!service) return { ok: false, refusal: "no_service" };
  if (!service.enabled) return { ok: false, refusal: "disabled", service };
  const method = refusedMethod(service, await asked.for(service));
  if (method !== undefined) return { ok: false, refusal: "method", service, method };
  await hold(service);
  const planned = config.plans?.get(service);
  if (planned) return { ok: true, service, config, ...planned };
  const opened = await openCredentials(config, service.auth.type === "oauth" ? substitutionKeys(service.substitutions) : keysSentBy(service));
  if ("missing" in opened) return { ok: false, refusal: "missing_credential", service, missing: opened.missing };
  if (service.auth.type === "oauth") {
    const access = await accessToken(config, service);
    if (!access.ok) {
      if (access.refusal === "missing") return { ok: false, refusal: "missing_credential", service, missing: access.key };
      return { ok: false, refusal: "oauth", service, answer: access };
    }
    opened.values.set(OAUTH_ACCESS_TOKEN, access.token);
  }
  const injection = injectedHeaders(service.auth, opened.values);
  if ("missing" in injection) return { ok: false, refusal: "missing_credential", service, missing: injection.missing };
  const plan: ServicePlan = { values: opened.values, injection, table: redactionTableOf(config, secretsToRedact(service, opened.values)) };
  if (service.auth.type !== "oauth") {
    config.plans ??= new WeakMap();
    config.plans.set(service, plan);
  }
  return { ok: true, service, config, ...plan };
}

type AccessTokenOf = (config: VaultConfig, service: ServiceRecord, rejected?: string) => ReturnType<typeof isolateAccessTokens.token>;

/** An oauth service's access token for this request's vault (oauth-access.ts); `rejected`: the token the upstream just refused. */
function oauthAccess(c: Context<AppEnv>, admission: Admitted): AccessTokenOf {
  return (config, service, rejected) => {
    if (service.auth.type !== "oauth") throw new Error("not an oauth service");
    return isolateAccessTokens.token(
      c.env,
      {
        config,
        vault: { id: admission.vault.id, name: admission.vault.name },
        service: service.name,
        auth: service.auth,
        ...(rejected !== undefined ? { rejected } : {}),
      },
      (p) => c.executionCtx.waitUntil(p),
    );
  };
}

function oauthRefusal(c: Context<AppEnv>, service: ServiceRecord, vault: string, answer: AccessRefusal): AppError {
  if (answer.refusal === "missing") return errors.credentialNotFound(answer.key, service.name);
  if (answer.refusal === "denied") return errors.oauthRefreshDenied(service, vault, answer.error, answer.retryAt, publicOriginOf(c.env));
  if (answer.unusable) return errors.oauthTokenInvalid(service.name, answer.reason, answer.retryAt);
  return errors.oauthRefreshFailed(service.name, answer.reason, answer.retryAt);
}

type LogRow = Partial<RequestLogRow> & { status: number };
type Logger = (who: { actor: GateActor; vault: { id: string } }) => (row: LogRow) => void;

/** Builds request-log rows for one proxied request; written after the response, in batches. */
function requestLogger(c: Context<AppEnv>, hostSegment: string, path: string, startedAt: number): Logger {
  return (who) => (row) =>
    logProxyRequest(
      c.env,
      {
        companyId: who.actor.companyId,
        vaultId: who.vault.id,
        actorType: who.actor.kind,
        actorId: who.actor.id,
        method: c.req.method,
        host: hostSegment.slice(0, 255),
        path: path.slice(0, 1024),
        latencyMs: Date.now() - startedAt,
        createdAt: startedAt,
        bytesIn: Number(c.req.header("content-length") ?? 0) || null,
        ...row,
      },
      (p) => c.executionCtx.waitUntil(p),
    );
}

async function forward(c: Context<AppEnv>, upstreamUrl: string, headers: Headers, attempt: errors.UpstreamAttempt, body: BodyInit | null): Promise<Response> {
  const timeoutMs = configOf(c.env).upstreamTimeoutMs;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const hasBody = c.req.method !== "GET" && c.req.method !== "HEAD";
  try {
    return await fetch(upstreamUrl, {
      method: c.req.method,
      headers,
      body: hasBody ? body : undefined,
      // Redirects go back to the agent as they are: following one could carry the credential elsewhere.
      redirect: "manual",
      signal: controller.signal,
    });
  } catch (cause) {
    if (controller.signal.aborted) throw errors.upstreamTimeout(attempt, timeoutMs);
    throw errors.upstreamUnreachable(attempt, cause);
  } finally {
    // Only the wait for response headers is bounded; a long download may stream for as long as it needs.
    clearTimeout(timer);
  }
}

/** The proxy in the OpenAPI document (it is routed by hand: any method, raw path). */
export const PROXY_DOC: Omit<RouteConfig, "method"> = {
  path: "/proxy/{host}/{path}",
  tags: ["agent protocol"],
  summary: "Forward to <host> with the vault's credential injected (any method; query and body as-is)",
  description:
    "Agent tokens send X-Vault; session tokens need not. Errors carry X-Edgevault-Error (RFC 9457 problem details with Accept: application/problem+json): 401 unauthorized, 403 forbidden (+proposal_hint), 403 service_disabled, 403 method_not_allowed (+proposal_hint), 403 forbidden_host, 403 request_rejected / request_approval_expired (a service that requires approval holds the call for a person first), 429 too_many_requests (+Retry-After, X-RateLimit-*), 502 credential_not_found / upstream_unreachable / oauth_refresh_denied (+proposal_hint, Retry-After) / oauth_refresh_failed, 504 upstream_timeout. See docs/proxy.md.",
  security: [{ bearerAuth: [] }],
  request: {
    params: z.object({ host: z.string().openapi({ example: "api.stripe.com" }), path: z.string().openapi({ example: "v1/charges" }) }),
    headers: z.object({ "X-Vault": z.string().optional() }),
  },
  responses: { default: { description: "The upstream's response, or an Edgevault error" } },
};
