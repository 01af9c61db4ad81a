/** The console's pages, one router each; pages.handlers.ts mounts them beside sign-in, inbox and approval. */
import { agentsPages } from "../agents/pages/agents.handlers.ts";
import { auditPages } from "../audit/pages/audit.handlers.ts";
import { apiKeysPages } from "../companies/pages/api-keys.handlers.ts";
import { agentInvitesPages } from "../invites/pages/agent-invites.handlers.ts";
import { registrationsPages } from "../registrations/pages/registrations.handlers.ts";
import { trafficPages } from "../request-log/pages/traffic.handlers.ts";
import { acceptPages } from "../users/pages/accept.handlers.ts";
import { usersPages } from "../users/pages/users.handlers.ts";
import { vaultMembersPages } from "./vault-members.handlers.ts";
import { vaultServicesPages } from "./vault-services.handlers.ts";
import { vaultWebhooksPages } from "./vault-webhooks.handlers.ts";
import { vaultsPages } from "./vaults.handlers.ts";

export const consoleRouters = [
  agentsPages,
  agentInvitesPages,
  registrationsPages,
  vaultsPages,
  vaultServicesPages,
  vaultMembersPages,
  vaultWebhooksPages,
  trafficPages,
  usersPages,
  acceptPages,
  apiKeysPages,
  auditPages,
];
