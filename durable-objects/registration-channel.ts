/**
 * One per registration made over the registration channel (seed 004: agents "register
 * automatically via the WebSocket channel when they first connect"): it holds the agent's socket
 * (hibernatable) from before the registration exists until its decision. The first frame registers
 * (the same steps and limits as `POST /v1/companies/{companyId}/agents/register`); when an owner
 * decides, the decision's commit calls `decided()`, which pushes the rejection, or collects the
 * agent token exactly as a claim does (minted once) and pushes it; then the socket is closed.
 *
 * D1 stays the source of truth: nothing here is needed to collect a decision later. An agent whose
 * socket dropped claims over HTTP with the claim token it was sent, and a push that comes second
 * to such a claim finds the token collected (registration_claimed).
 */
import { DurableObject } from "cloudflare:workers";
import { z } from "@hono/zod-openapi";
import { CLOSE_DONE, REGISTER_TIMEOUT_MS } from "../workers/agent-channel/agent-channel.contract.ts";
import { answerClose, closeSocket, readFrame, refuse, sendFrame } from "../workers/agent-channel/channel-frames.ts";
import { readHandoff, RegistrationHandoff } from "../workers/agent-channel/channel-handoff.ts";
import type { PublicActionContext } from "../workers/action-context.ts";
import { createDatabase } from "../workers/db/client.ts";
import type { Env } from "../workers/env.ts";
import { AppError } from "../workers/lib/app-error.ts";
import { channelDecision, registerOnChannel } from "../workers/registrations/registrations.actions.ts";
import { edgeContextOf } from "../workers/request-context.ts";
import type { RegistrationChannelRpc } from "./registration-channel.rpc.ts";

const PING = JSON.stringify({ type: "ping" });
const PONG = JSON.stringify({ type: "pong" });

/** Where the socket is in the conversation; kept on the socket, so it survives hibernation. */
const Waiting = RegistrationHandoff.omit({ kind: true }).extend({ stage: z.enum(["awaiting_register", "registering", "registered"]) });
type Waiting = z.infer<typeof Waiting>;

export class RegistrationChannel extends DurableObject<Env> implements RegistrationChannelRpc {
  /** A decision announced while the registration was still being written: told once the write is done. */
  #decidedWhileRegistering = false;
  /** Decisions are told one at a time, so a socket is never told twice nor told after a refusal. */
  #telling: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  /** Takes the socket the edge hands over; it must register within REGISTER_TIMEOUT_MS. */
  override async fetch(request: Request): Promise<Response> {
    const handoff = readHandoff(request, RegistrationHandoff);
    if (!handoff) return new Response(null, { status: 400 });
    // Registration ids are fresh per upgrade: a second socket here is not one of ours.
    if (this.ctx.getWebSockets().length > 0) return new Response(null, { status: 409 });
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server);
    const waiting: Waiting = { companyId: handoff.companyId, registrationId: handoff.registrationId, stage: "awaiting_register" };
    server.serializeAttachment(waiting);
    await this.ctx.storage.setAlarm(Date.now() + REGISTER_TIMEOUT_MS);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const waiting = waitingOf(ws);
    if (!waiting) return refuse(ws, new Error("registration socket without its attachment"));
    const read = readFrame(message, waiting.stage === "awaiting_register" ? (["ping", "register"] as const) : (["ping"] as const));
    if (!read.ok) return refuse(ws, read.error);
    if (read.frame.type === "ping") return sendFrame(ws, { type: "pong" });

    const { type: _, ...body } = read.frame;
    ws.serializeAttachment({ ...waiting, stage: "registering" } satisfies Waiting);
    let registered: Awaited<ReturnType<typeof registerOnChannel>>;
    try {
      registered = await registerOnChannel(this.#actionContext(), waiting, body);
    } catch (error) {
      return refuse(ws, error);
    }
    ws.serializeAttachment({ ...waiting, stage: "registered" } satisfies Waiting);
    await this.ctx.storage.deleteAlarm();
    sendFrame(ws, { type: "registered", ...registered });
    if (this.#decidedWhileRegistering) {
      this.#decidedWhileRegistering = false;
      await this.decided();
    }
  }

  /** The agent hung up: a registration it made stays pending, and its claim token collects the decision. */
  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    answerClose(ws, code);
  }

  /** Called after a decision on this registration is committed to D1: tells the waiting socket, if any, and closes it. */
  decided(): Promise<void> {
    const telling = this.#telling.then(() => this.#tellAll());
    this.#telling = telling.catch(() => undefined);
    return telling;
  }

  /** A socket that never registered is closed after REGISTER_TIMEOUT_MS. */
  override async alarm(): Promise<void> {
    for (const ws of this.ctx.getWebSockets()) {
      if (waitingOf(ws)?.stage === "awaiting_register") {
        refuse(ws, new AppError(408, "register_timeout", `Send the register frame within ${REGISTER_TIMEOUT_MS / 1000} s of connecting`));
      }
    }
  }

  async #tellAll(): Promise<void> {
    for (const ws of this.ctx.getWebSockets()) {
      const waiting = waitingOf(ws);
      if (waiting?.stage === "registering") this.#decidedWhileRegistering = true;
      // Checked just before the token is minted: a socket gone by now leaves the token to the HTTP claim.
      if (waiting?.stage !== "registered" || ws.readyState !== WebSocket.OPEN) continue;
      await this.#tell(ws, waiting);
    }
  }

  async #tell(ws: WebSocket, waiting: Waiting): Promise<void> {
    try {
      const decision = await channelDecision(this.#actionContext(), waiting.registrationId);
      if (decision.status === "pending") return;
      if (decision.status === "rejected") {
        sendFrame(ws, { type: "rejected", reason: decision.reason });
        closeSocket(ws, CLOSE_DONE, "rejected");
        return;
      }
      const { status: _, ...approved } = decision;
      sendFrame(ws, { type: "approved", ...approved });
      closeSocket(ws, CLOSE_DONE, "approved");
    } catch (error) {
      refuse(ws, error);
    }
  }

  /** Nobody is the caller here: the socket registers as anyone may, and proves it is the registrant by being this socket. */
  #actionContext(): PublicActionContext {
    return edgeContextOf(this.env, createDatabase(this.env.DB));
  }
}

function waitingOf(ws: WebSocket): Waiting | undefined {
  const parsed = Waiting.safeParse(ws.deserializeAttachment());
  return parsed.success ? parsed.data : undefined;
}
