/**
 * Registrations' actions (one file each under actions/): registering (over HTTP or the
 * registration channel, counted by the throttle first), deciding, and collecting the decision. The
 * API (registrations.handlers.ts), the console's page (pages/), the channel's upgrade
 * (agent-channel/) and its Durable Object call these and nothing else of the feature.
 */
export { channelDecision, claimRegistration, type Decision } from "./actions/collect.actions.ts";
export { approveRegistration, approveVaultysRegistration, listRegistrations, rejectRegistration } from "./actions/decide.actions.ts";
export {
  admitRegistrationAttempt,
  newRegistrationId,
  registerInCompany,
  registerOnChannel,
  registerVaultysAgent,
  requireCompany,
} from "./actions/register.actions.ts";
