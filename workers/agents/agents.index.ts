/**
 * Everything under `/v1/agents`, assembled in the one order Hono needs: the literal paths
 * (`/v1/agents/invites…`, `/v1/agents/channel`) before `/v1/agents/{agentId}`, since Hono tries the routes that match
 * in the order they were registered. The order of areas in app.ts carries no meaning.
 */
import { agentChannelRouter } from "../agent-channel/agent-channel.handlers.ts";
import { invitesRouter } from "../invites/invites.handlers.ts";
import { createRouter } from "../router.ts";
import { agentListRouter } from "./agent-list.handlers.ts";
import { agentsRouter } from "./agents.handlers.ts";

export const agentsArea = createRouter().route("/", agentListRouter).route("/", invitesRouter).route("/", agentChannelRouter).route("/", agentsRouter);
