/**
 * Agents' actions (one file each under actions/): reading them, and changing them (Vane's
 * registration, changes, deletion, rotation). The API (agents.handlers.ts, agent-list.handlers.ts,
 * Vaultys' `/api/agents…`) and the console's agent pages (pages/) call these and nothing else of
 * the feature.
 */
export { type AgentUpdate, checkRotation, deleteAgent, registerAgent, rotateAgent, updateAgent } from "./actions/change.actions.ts";
export {
  type AgentView,
  agentSvid,
  findAgent,
  getAgent,
  getVaultysAgent,
  listAgents,
  listVaultysAgents,
  showAgent,
  type SvidPreview,
} from "./actions/read.actions.ts";
