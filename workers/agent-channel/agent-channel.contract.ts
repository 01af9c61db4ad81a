/**
 * The agent channel's contract (seed 004: "agents register automatically via the WebSocket channel
 * when they first connect"): the JSON frames both sides send, the close codes, the limits and the
 * error codes. Zod schemas and constants only, no bindings; docs/agents.md describes the protocol.
 *
 * Two channels speak it. An agent holds `GET /v1/agents/channel` open with its token (it is online
 * while it does); an agent that has no token yet opens `GET /v1/companies/{companyId}/agents/channel`,
 * registers with its first frame, and waits there for the decision.
 */
import { z } from "@hono/zod-openapi";
import { RegisterBody, Registered, RegistrationClaimed } from "../registrations/registrations.contract.ts";

/** Offered by clients that cannot set headers, next to the token (`edgevault.bearer.<token>`); the edge answers with this one. */
export const CHANNEL_SUBPROTOCOL = "edgevault.channel.v1";
/** A `Sec-WebSocket-Protocol` entry carrying the bearer token: headers are not logged, URLs are. */
export const BEARER_SUBPROTOCOL_PREFIX = "edgevault.bearer.";

/** A frame longer than this (UTF-16 code units of a text frame) is refused: a register frame needs a few KiB. */
export const MAX_FRAME_LENGTH = 16 * 1024;
/** A registration channel must send its `register` frame this soon after opening, or it is closed. */
export const REGISTER_TIMEOUT_MS = 60_000;

/** Close codes: 1000 when the conversation is over; 4001 when the token the channel was opened with ended; else 4000 + the HTTP status of the error frame sent just before. */
export const CLOSE_DONE = 1000;
export const CLOSE_CREDENTIAL_ENDED = 4001;
export const closeCodeForStatus = (status: number) => 4000 + status;

export const PingFrame = z.object({ type: z.literal("ping") }).strict();
export const RegisterFrame = RegisterBody.extend({ type: z.literal("register") }).strict();
/** What a client may send; which frames a channel accepts depends on the channel. */
export const ClientFrame = z.discriminatedUnion("type", [PingFrame, RegisterFrame]);
export type ClientFrame = z.infer<typeof ClientFrame>;

/** What the edge sends. */
export const PongFrame = z.object({ type: z.literal("pong") });
/** The answer of `POST /v1/companies/{companyId}/agents/register`, over the socket. */
export const RegisteredFrame = Registered.extend({ type: z.literal("registered") });
/** The claim's answer (`POST /v1/registrations/claim`), pushed: the token is minted by this push, once. */
export const ApprovedFrame = RegistrationClaimed.omit({ status: true }).extend({ type: z.literal("approved") });
export const RejectedFrame = z.object({ type: z.literal("rejected"), reason: z.string() });
/** The same fields as an HTTP error body (`error`, `message`, any extra), plus `type`. */
export const ErrorFrame = z.object({ type: z.literal("error"), error: z.string(), message: z.string() }).passthrough();
export const ServerFrame = z.discriminatedUnion("type", [PongFrame, RegisteredFrame, ApprovedFrame, RejectedFrame, ErrorFrame]);
export type ServerFrame = z.infer<typeof ServerFrame>;
