/** Worker entry: the Hono app's fetch plus the Durable Object classes wrangler binds. */
import { buildApp } from "./app.ts";

export { ActorGate } from "../durable-objects/actor-gate.ts";
export { ChainSealer } from "../durable-objects/chain-sealer.ts";
export { OAuthTokens } from "../durable-objects/oauth-tokens.ts";
export { ProposalWatch } from "../durable-objects/proposal-watch.ts";
export { RegistrationChannel } from "../durable-objects/registration-channel.ts";
export { RequestApprovals } from "../durable-objects/request-approvals.ts";

const app = buildApp();

export default { fetch: app.fetch } satisfies ExportedHandler<import("./env.ts").Env>;
