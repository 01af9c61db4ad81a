/**
 * What the Worker may ask a RegistrationChannel (durable-objects/registration-channel.ts
 * implements it): `Env` types its namespace with this interface, not the class, so the Worker's
 * modules and the Durable Objects' never import each other in a circle.
 */

/** One per registration made over a WebSocket: the socket waiting for the decision. */
export interface RegistrationChannelRpc extends Rpc.DurableObjectBranded {
  /** Takes the socket handed over by the edge (agent-channel/channel-handoff.ts). */
  fetch(request: Request): Promise<Response>;
  /** Called after a decision on this registration is committed to D1: tells the waiting socket, if any. */
  decided(): Promise<void>;
}
