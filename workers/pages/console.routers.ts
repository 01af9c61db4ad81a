/** The console's pages, one router each; pages.handlers.ts mounts them beside sign-in, inbox and approval. */
import { agentsPages } from "../agents/pages/agents.handlers.ts";
import { agentInvitesPages } from "../invites/pages/agent-invites.handlers.ts";
import { registrationsPages } from "../registrations/pages/registrations.handlers.ts";
import { acceptPages } from "./accept.handlers.ts";
import { apiKeysPages } from "./api-keys.handlers.ts";
import { auditPages } from "./audit.handlers.ts";
import { trafficPages } from "./traffic.handlers.ts";
import { usersPages } from "./users.handlers.ts";
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
