/**
 * An agent's channels, held by its ActorGate as hibernatable WebSockets, and the presence they
 * imply: the agent is online while one is open. D1 records it as a lease (`agents.online_until`)
 * written when the first socket opens, renewed by the gate's alarm every PRESENCE_RENEW_MS while
 * any stays open, and cleared when the last one closes. A lease rather than a flag because an
 * object can die without running its close handler (its machine restarts, its sockets are cut):
 * then nothing clears the flag, but the lease still runs out, so an agent never shows as online
 * for more than PRESENCE_LEASE_MS after its last socket really went away.
 */
import { z } from "@hono/zod-openapi";
import { closeSocket } from "../workers/agent-channel/channel-frames.ts";
import type { Database } from "../workers/db/client.ts";
import type { AlarmSchedule } from "./alarm-schedule.ts";
import { writePresence } from "./actor-gate.queries.ts";

/** How long one write keeps the agent online without another. */
export const PRESENCE_LEASE_MS = 90_000;
/** How often the lease is renewed while a channel is open: a write every 30 s per connected agent, and two missed renewals still leave it online. */
export const PRESENCE_RENEW_MS = 30_000;

const AGENT_CHANNEL_TAG = "agent-channel";
/** The agent whose lease this object last wrote, kept until it is cleared (the sockets that said so may be gone by then). */
const PRESENCE_KEY = "presence";

/** What a channel was opened with; kept on the socket, so it survives hibernation. */
const AgentChannel = z.object({ agentId: z.string(), tokenId: z.string() });
export type AgentChannel = z.infer<typeof AgentChannel>;
export type OpenChannel = { ws: WebSocket; channel: AgentChannel };

export class AgentChannels {
  #ctx: DurableObjectState;
  #db: () => Database;
  #alarm: AlarmSchedule;
  #writes: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, db: () => Database, alarm: AlarmSchedule) {
    this.#ctx = ctx;
    this.#db = db;
    this.#alarm = alarm;
  }

  /** Accepts a channel (hibernatable) and records the agent online before the client gets its socket. */
  async accept(channel: AgentChannel): Promise<WebSocket> {
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.#ctx.acceptWebSocket(server, [AGENT_CHANNEL_TAG]);
    server.serializeAttachment(channel);
    try {
      await this.record();
    } catch (error) {
      // The client never gets this socket: do not leave it open (and renewing) behind it.
      closeSocket(server, 1011, "presence");
      throw error;
    }
    return client;
  }

  /** The channels still open, with what each was opened with. */
  open(): OpenChannel[] {
    const open: OpenChannel[] = [];
    for (const ws of this.#ctx.getWebSockets(AGENT_CHANNEL_TAG)) {
      const channel = AgentChannel.safeParse(ws.deserializeAttachment());
      if (ws.readyState === WebSocket.OPEN && channel.success) open.push({ ws, channel: channel.data });
    }
    return open;
  }

  /**
   * Writes to D1 what the open sockets say now: a fresh lease while any is open, none once all are
   * closed. Writes run one after another and each reads the sockets when it runs, so the last write
   * always matches the last state, whatever order opens, closes and renewals came in.
   */
  record(): Promise<void> {
    const write = this.#writes.then(() => this.#write());
    this.#writes = write.catch(() => undefined);
    return write;
  }

  async #write(): Promise<void> {
    const now = Date.now();
    const [first] = this.open();
    if (first) {
      // Armed before the write, so a write that fails is retried by the renewal.
      await this.#alarm.noLaterThan(now + PRESENCE_RENEW_MS);
      await this.#ctx.storage.put(PRESENCE_KEY, first.channel.agentId);
      await writePresence(this.#db(), first.channel.agentId, now + PRESENCE_LEASE_MS, now);
      return;
    }
    const recorded = await this.#ctx.storage.get<string>(PRESENCE_KEY);
    if (!recorded) return;
    await writePresence(this.#db(), recorded, null, now);
    await this.#ctx.storage.delete(PRESENCE_KEY);
  }
}
