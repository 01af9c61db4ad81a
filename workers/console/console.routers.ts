/** The console's pages, one router each; pages.handlers.ts mounts them beside sign-in, inbox and approval. */
import { agentsPages } from "../agents/pages/agents.handlers.ts";
import { auditPages } from "../audit/pages/audit.handlers.ts";
import { apiKeysPages } from "../companies/pages/api-keys.handlers.ts";
import { agentInvitesPages } from "../invites/pages/agent-invites.handlers.ts";
import { registrationsPages } from "../registrations/pages/registrations.handlers.ts";
import { trafficPages } from "../request-log/pages/traffic.handlers.ts";
import { requestsPages } from "../requests/pages/requests.handlers.ts";
import { acceptPages } from "../users/pages/accept.handlers.ts";
import { usersPages } from "../users/pages/users.handlers.ts";
import { vaultMembersPages } from "../vaults/pages/vault-members.handlers.ts";
import { vaultServicesPages } from "../services/pages/vault-services.handlers.ts";
import { vaultWebhooksPages } from "../webhooks/pages/vault-webhooks.handlers.ts";
import { vaultsPages } from "../vaults/pages/vaults.handlers.ts";
import { ssoSettingsPages } from "../sso/pages/sso-settings.handlers.ts";
import { cliLoginPages } from "../cli-logins/pages/cli-login.handlers.ts";
import { oauthConnectPages } from "../oauth/pages/oauth-connect.handlers.ts";

export const consoleRouters = [
  agentsPages,
  agentInvitesPages,
  registrationsPages,
  vaultsPages,
  vaultServicesPages,
  vaultMembersPages,
  vaultWebhooksPages,
  trafficPages,
  requestsPages,
  usersPages,
  acceptPages,
  apiKeysPages,
  auditPages,
  ssoSettingsPages,
  cliLoginPages,
  oauthConnectPages,
];
