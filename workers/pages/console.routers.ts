/** The console's pages, one router each; pages.handlers.ts mounts them beside sign-in, inbox and approval. */
import { acceptPages } from "../users/pages/accept.handlers.ts";
import { agentInvitesPages } from "./agent-invites.handlers.ts";
import { agentsPages } from "./agents.handlers.ts";
import { apiKeysPages } from "../companies/pages/api-keys.handlers.ts";
import { auditPages } from "../audit/pages/audit.handlers.ts";
import { registrationsPages } from "./registrations.handlers.ts";
import { trafficPages } from "../request-log/pages/traffic.handlers.ts";
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
