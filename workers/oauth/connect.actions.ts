/**
 * Connecting an OAuth service's account in the browser: a vault admin (or the CLI, or an API key)
 * makes a connect for a service of the `refresh_token` grant; a person who is a vault admin opens
 * its page, sees the provider and the scopes, and goes (`startConnect`: PKCE S256 and `state` by
 * oauth4webapi, bound to their console session and, by a cookie, to their browser); the provider's
 * callback (`finishConnect`) exchanges the code with the verifier only this connect holds and
 * stores the refresh token — and a client secret typed for the connect — as the service's
 * credentials, which nobody sees again. The service's OAuthTokens object notices the new refresh
 * token by itself (durable-objects/oauth-tokens.ts `#reconcile`): what the old grant obtained is
 * dropped and its backoff ends.
 *
 * What a callback must carry to be accepted: the `state` of a connect still authorizing and
 * unexpired, from the browser that was sent (its binding cookie), once (the binding is spent when
 * claimed); the console session that sent it still live, its person still an admin of the vault;
 * and, where the provider's issuer is known, `iss` naming it (RFC 9207); and the service still
 * naming the token endpoint and client the connect was made for (a service edited meanwhile could
 * otherwise have the code, the verifier and a typed client secret sent to an address of the
 * editor's choosing).
 */
import type { ActionContext, PublicActionContext } from "../action-context.ts";
import { authorizeVault } from "../auth/vault-access.ts";
import { vaultRoleOf } from "../auth/permissions.ts";
import { publicOriginIn } from "../config.ts";
import { sealedCredentialsChange } from "../credentials/credentials.actions.ts";
import { change } from "../db/change.ts";
import { auditStatement } from "../db/audit.ts";
import { AppError, notFound } from "../lib/app-error.ts";
import { associatedData, openText, sealText } from "../lib/crypto/crypto-envelope.ts";
import { base64url, newId, randomBytes, sha256Hex } from "../lib/crypto/tokens.ts";
import { iso } from "../lib/openapi.ts";
import { type OAuthAuth, OAuthAuthSchema, oauthGrantOf } from "../services/oauth-auth.contract.ts";
import { findVaultService } from "../services/services.queries.ts";
import { findVaultById } from "../vaults/vaults.queries.ts";
import { authorizationUrlOf, connectProviderOf } from "./connect-provider.ts";
import { CONNECT_TTL_MS, type ConnectionView, type CreateConnectionBody, connectPagePath, OAUTH_CALLBACK_PATH } from "./oauth-connect.contract.ts";
import {
  type ConnectionRow,
  claimConnection,
  createConnectionChange,
  findConnection,
  liveSessionPerson,
  markAuthorizing,
  markConnectedStatement,
  markFailed,
} from "./oauth-connect.queries.ts";
import { sealedCredentialsOf } from "../../durable-objects/oauth-tokens.queries.ts";
import { authorizationCodeGrant } from "./token-endpoint.ts";
import { templateById } from "./provider-catalog.contract.ts";

export const redirectUriOf = (ctx: Pick<PublicActionContext, "config">) => `${publicOriginIn(ctx.config)}${OAUTH_CALLBACK_PATH}`;

const notConnectable = (message: string) => new AppError(400, "oauth_not_connectable", message);
const closed = () => new AppError(409, "oauth_connection_closed", 'This connect is over (connected, failed or expired): start a new one with "Connect"');

/**
 * The code, the PKCE verifier and the client secret go to the token endpoint the connect was made
 * (and checked against its provider) for, with the client it was made for: a service whose auth
 * names another since — an edit by anyone who may edit services — makes the connect refuse
 * (409 `service_changed`) rather than send them to the new address.
 */
function requireSameTokenEndpoint(row: Pick<ConnectionRow, "service" | "tokenEndpoint" | "clientId">, auth: OAuthAuth): void {
  if (row.tokenEndpoint !== auth.token_endpoint || row.clientId !== auth.client_id)
    throw new AppError(
      409,
      "service_changed",
      `Service "${row.service}" names another token endpoint or client than when this connect was made: start a new connect with "Connect" to review it`,
      { extra: { reason: "service_changed" } },
    );
}

/** The service's auth, if it is an `oauth` service a person connects (the refresh-token grant). */
function connectableAuth(service: { name: string; auth: unknown } | undefined, name: string): OAuthAuth {
  if (!service) throw notFound(`Service "${name}"`);
  const auth = OAuthAuthSchema.safeParse(service.auth);
  if (!auth.success) throw notConnectable(`Service "${name}" is not of auth type oauth: there is no account to connect`);
  if (oauthGrantOf(auth.data) !== "refresh_token")
    throw notConnectable(`Service "${name}" uses the client_credentials grant: its client is the account, there is nothing to connect`);
  return auth.data;
}

/** Makes a connect for `serviceName` (a vault admin): nobody is sent anywhere yet. */
export async function createConnection(ctx: ActionContext, vaultName: string, serviceName: string, input: CreateConnectionBody): Promise<ConnectionView> {
  const { vault } = await authorizeVault(ctx, vaultName);
  const auth = connectableAuth(await findVaultService(ctx.db, vault.companyId, vault.id, serviceName), serviceName);
  const provider = await connectProviderOf(auth, input, ctx.config.allowPrivateUpstreams);
  const scopes = input.scopes ?? auth.scopes ?? [...provider.defaultScopes];
  const id = newId("oac");
  const now = ctx.edge.now();
  const sealedClientSecret = input.client_secret
    ? await sealText(await ctx.edge.dataKey(vault.companyId), input.client_secret, associatedData.oauthConnect(vault.companyId, id, "client_secret"))
    : null;
  const row = {
    id,
    companyId: vault.companyId,
    vaultId: vault.id,
    service: serviceName,
    provider: provider.id,
    authorizationEndpoint: provider.authorizationEndpoint,
    issuer: provider.issuer,
    tokenEndpoint: auth.token_endpoint,
    clientId: auth.client_id,
    scopes: [...scopes],
    extraParameters: provider.extraParameters,
    status: "pending" as const,
    sealedClientSecret,
    createdBy: ctx.principal.id,
    createdAt: now,
    expiresAt: now + CONNECT_TTL_MS,
  };
  await ctx.commit(createConnectionChange(ctx.db, ctx.principal, row, vault.name));
  const stored = await holdsClientSecret(ctx, vault, auth);
  return viewOf(
    ctx,
    vault.name,
    { ...row, error: null, finishedAt: null, stateHash: null, browserHash: null, sealedVerifier: null, sessionId: null },
    now,
    stored,
  );
}

/** A connect of the vault, as its page and the CLI's wait read it. */
export async function readConnection(ctx: ActionContext, vaultName: string, id: string): Promise<ConnectionView> {
  const { vault } = await authorizeVault(ctx, vaultName);
  const row = await findConnection(ctx.db, vault.companyId, vault.id, id);
  if (!row) throw notFound(`Connect "${id}"`);
  const service = OAuthAuthSchema.safeParse((await findVaultService(ctx.db, vault.companyId, vault.id, row.service))?.auth);
  return viewOf(ctx, vault.name, row, ctx.edge.now(), service.success && (await holdsClientSecret(ctx, vault, service.data)));
}

async function holdsClientSecret(ctx: Pick<ActionContext, "db">, vault: { companyId: string; id: string }, auth: OAuthAuth): Promise<boolean> {
  return (await sealedCredentialsOf(ctx.db, vault.companyId, vault.id, [auth.client_secret_key])).has(auth.client_secret_key);
}

/**
 * A person goes to the provider (the console's "Continue"): the authorization URL, and the value
 * of the cookie that binds the answer to this browser. `clientSecret`: typed on the page, stored
 * with the refresh token when the connect succeeds.
 */
export async function startConnect(
  ctx: ActionContext,
  vaultName: string,
  id: string,
  clientSecret?: string,
): Promise<{ authorizationUrl: string; browserBinding: string; view: ConnectionView }> {
  const { vault } = await authorizeVault(ctx, vaultName);
  if (ctx.principal.kind !== "user") throw new AppError(403, "human_required", "A signed-in person goes to the provider, in their browser");
  const row = await findConnection(ctx.db, vault.companyId, vault.id, id);
  if (!row) throw notFound(`Connect "${id}"`);
  const now = ctx.edge.now();
  if (stateOf(row, now) !== "pending" && stateOf(row, now) !== "authorizing") throw closed();
  const auth = connectableAuth(await findVaultService(ctx.db, vault.companyId, vault.id, row.service), row.service);
  requireSameTokenEndpoint(row, auth);
  const request = await authorizationUrlOf(row, { clientId: auth.client_id, redirectUri: redirectUriOf(ctx), scopes: row.scopes });
  const dataKey = await ctx.edge.dataKey(vault.companyId);
  const browserBinding = base64url(randomBytes(32));
  const binding = {
    stateHash: await sha256Hex(request.secrets.state),
    browserHash: await sha256Hex(browserBinding),
    sealedVerifier: await sealText(dataKey, request.secrets.verifier, associatedData.oauthConnect(vault.companyId, id, "code_verifier")),
    sessionId: ctx.principal.sessionId,
    ...(clientSecret ? { sealedClientSecret: await sealText(dataKey, clientSecret, associatedData.oauthConnect(vault.companyId, id, "client_secret")) } : {}),
  };
  if (!(await markAuthorizing(ctx.db, row, binding, now))) throw closed();
  return {
    authorizationUrl: request.url,
    browserBinding,
    view: viewOf(
      ctx,
      vault.name,
      { ...row, status: "authorizing", sealedClientSecret: binding.sealedClientSecret ?? row.sealedClientSecret },
      now,
      await holdsClientSecret(ctx, vault, auth),
    ),
  };
}

/** What a finished connect tells the person. */
export type FinishedConnect = { vault: string; service: string; provider: string };

/**
 * The provider's callback (`callback`: the URL it sent the browser to; `browserBinding`: the
 * cookie that browser carries). Refusals: 400 `oauth_state_invalid` (no connect of this state and
 * browser, used already, or expired), 403 when the person who went may no longer connect, 400
 * `oauth_connect_failed` when the provider refused or the exchange failed (the connect is failed).
 */
export async function finishConnect(ctx: PublicActionContext, callback: URL, browserBinding: string | undefined): Promise<FinishedConnect> {
  const state = callback.searchParams.get("state");
  const now = ctx.edge.now();
  const row = state && browserBinding ? await claimConnection(ctx.db, await sha256Hex(state), await sha256Hex(browserBinding), now) : undefined;
  if (!state || !row) {
    throw new AppError(
      400,
      "oauth_state_invalid",
      'This answer does not belong to a connect this browser started, was used already, or came after 15 minutes: start again with "Connect"',
    );
  }
  const fail = async (error: string, status: 400 | 403 | 409, message: string): Promise<never> => {
    await markFailed(ctx.db, row, error, ctx.edge.now());
    const code = status === 403 ? "forbidden" : status === 409 ? "service_changed" : "oauth_connect_failed";
    throw new AppError(status, code, message, { extra: { reason: error } });
  };
  const person = row.sessionId ? await liveSessionPerson(ctx.db, row.companyId, row.sessionId, now) : undefined;
  const vault = await findVaultById(ctx.db, row.companyId, row.vaultId);
  if (!person || !vault) return fail("session_ended", 403, "The sign-in that started this connect has ended: sign in and connect again");
  if ((await vaultRoleOf(ctx.db, person, vault)) !== "admin")
    return fail("admin_required", 403, `Only an admin of vault "${vault.name}" can connect its accounts`);
  const service = await findVaultService(ctx.db, row.companyId, row.vaultId, row.service);
  const auth = OAuthAuthSchema.safeParse(service?.auth);
  if (!auth.success || oauthGrantOf(auth.data) !== "refresh_token" || !auth.data.refresh_token_key) {
    return fail("service_changed", 409, `Service "${row.service}" was changed or removed during the connect: connect again`);
  }
  // Before anything is opened or sent: the token endpoint and client the connect was made for, or nothing.
  if (row.tokenEndpoint !== auth.data.token_endpoint || row.clientId !== auth.data.client_id) {
    return fail(
      "service_changed",
      409,
      `Service "${row.service}" names another token endpoint or client than when this connect was made: nothing was sent to it; start a new connect with "Connect" to review it`,
    );
  }

  const dataKey = await ctx.edge.dataKey(row.companyId);
  const verifier = row.sealedVerifier ? await openText(dataKey, row.sealedVerifier, associatedData.oauthConnect(row.companyId, row.id, "code_verifier")) : "";
  const typedSecret = row.sealedClientSecret
    ? await openText(dataKey, row.sealedClientSecret, associatedData.oauthConnect(row.companyId, row.id, "client_secret"))
    : undefined;
  const storedSecret = (await sealedCredentialsOf(ctx.db, row.companyId, row.vaultId, [auth.data.client_secret_key])).get(auth.data.client_secret_key);
  const clientSecret =
    typedSecret ??
    (storedSecret ? await openText(dataKey, storedSecret, associatedData.credential(row.companyId, row.vaultId, auth.data.client_secret_key)) : undefined);
  if (!clientSecret) return fail("client_secret_missing", 400, `The vault holds no ${auth.data.client_secret_key}: type the client secret on the connect page`);

  const parameters = new URLSearchParams(callback.searchParams);
  // Without a known issuer there is nothing to hold `iss` to (a template's provider may not send one).
  if (!row.issuer) parameters.delete("iss");
  const outcome = await authorizationCodeGrant(
    {
      tokenEndpoint: auth.data.token_endpoint,
      clientId: auth.data.client_id,
      clientSecret,
      tokenAuth: auth.data.token_auth ?? "client_secret_post",
      allowPrivate: ctx.config.allowPrivateUpstreams,
      issuer: row.issuer ?? undefined,
    },
    { parameters, state, redirectUri: redirectUriOf(ctx), codeVerifier: verifier },
  );
  if (!outcome.ok) {
    const why = outcome.kind === "denied" ? outcome.error : "token_endpoint_failed";
    return fail(
      why,
      400,
      outcome.kind === "denied" ? `The provider refused the connect (${outcome.error})` : `The connect could not be finished: ${outcome.reason}`,
    );
  }
  if (!outcome.refreshToken) {
    return fail(
      "no_refresh_token",
      400,
      "The provider granted access but no refresh token: ask for offline access (a scope like offline_access, or the template's parameters)",
    );
  }
  const values: Record<string, string> = { [auth.data.refresh_token_key]: outcome.refreshToken };
  if (typedSecret) values[auth.data.client_secret_key] = typedSecret;
  const acting: ActionContext = { ...ctx, principal: person, cell: "admin" };
  const stored = await sealedCredentialsChange(acting, vault, values);
  const audit = auditStatement(ctx.db, person, {
    action: "oauth.connect",
    targetType: "vault",
    targetId: vault.id,
    detail: { vault: vault.name, service: row.service, connection: row.id, provider: row.provider, keys: Object.keys(values).sort() },
  });
  await ctx.commit(change([...stored.statements, markConnectedStatement(ctx.db, row, ctx.edge.now()), audit] as const, stored.invalidates));
  return { vault: vault.name, service: row.service, provider: providerName(row) };
}

function stateOf(row: Pick<ConnectionRow, "status" | "expiresAt">, now: number): ConnectionView["status"] {
  if ((row.status === "pending" || row.status === "authorizing") && now >= row.expiresAt) return "expired";
  return row.status;
}

const providerName = (row: Pick<ConnectionRow, "provider" | "authorizationEndpoint">) =>
  templateById(row.provider)?.name ?? new URL(row.authorizationEndpoint).host;

function viewOf(ctx: Pick<ActionContext, "config">, vault: string, row: ConnectionRow, now: number, clientSecretStored: boolean): ConnectionView {
  return {
    id: row.id,
    vault,
    service: row.service,
    provider: { id: row.provider, name: providerName(row), authorization_host: new URL(row.authorizationEndpoint).host },
    scopes: row.scopes,
    status: stateOf(row, now),
    error: row.error,
    connect_url: `${publicOriginIn(ctx.config)}${connectPagePath(vault, row.id)}`,
    redirect_uri: redirectUriOf(ctx),
    stores_client_secret: row.sealedClientSecret !== null,
    client_secret_stored: clientSecretStored,
    created_at: iso(row.createdAt) ?? "",
    expires_at: iso(row.expiresAt) ?? "",
    finished_at: iso(row.finishedAt),
  };
}
