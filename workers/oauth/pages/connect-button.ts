/**
 * "Connect <provider>": the button a vault admin presses on an `oauth` service of the
 * refresh-token grant (the vault page, the service's page, and the approval page of a proposal
 * that set one up). It makes a connect and opens its page, where the scopes are shown before going.
 */
import { html, type Markup } from "../../console/layout.ts";
import { csrfField } from "../../console/page-parts.ts";
import type { Frame } from "../../console/nav.ts";
import { oauthGrantOf } from "../../services/oauth-auth.contract.ts";
import { templateForTokenEndpoint } from "../provider-catalog.contract.ts";

type ConnectableService = {
  name: string;
  auth: { type: string; token_endpoint?: string; grant?: "refresh_token" | "client_credentials"; refresh_token_key?: string };
};

/** The provider's name a service connects through: its template's, else its token endpoint's host. */
export function providerNameOf(tokenEndpoint: string): string {
  const template = templateForTokenEndpoint(tokenEndpoint);
  if (template) return template.name;
  try {
    return new URL(tokenEndpoint).host;
  } catch {
    return "the provider";
  }
}

export const isConnectable = (service: ConnectableService): boolean =>
  service.auth.type === "oauth" && oauthGrantOf(service.auth) === "refresh_token" && typeof service.auth.token_endpoint === "string";

/** The button, or nothing for a service with no account to connect. */
export function connectButton(frame: Pick<Frame, "csrf">, vault: string, service: ConnectableService): Markup | "" {
  if (!isConnectable(service)) return "";
  const name = providerNameOf(service.auth.token_endpoint ?? "");
  return html`<form method="post" action="/vaults/${encodeURIComponent(vault)}/services/${encodeURIComponent(service.name)}/connect" class="inline">${csrfField(frame as Frame)}<button type="submit" class="primary">Connect ${name}<span class="meta"> for ${service.name}</span></button></form>`;
}
