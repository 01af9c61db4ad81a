/**
 * Reading and writing the channel's frames on a socket a Durable Object holds. This is the socket's
 * counterpart of app.ts `errorResponse`, and the one place an error becomes a frame: every refusal
 * is an error frame (the HTTP error body plus `type`) and then a close, and nothing a client sends
 * makes a handler throw. Unexpected errors are logged by name and message only, never frames.
 */
import { AppError } from "../lib/app-error.ts";
import { validationError } from "../lib/validation-error.ts";
import { ClientFrame, CLOSE_DONE, closeCodeForStatus, MAX_FRAME_LENGTH, type ServerFrame } from "./agent-channel.contract.ts";

type FrameType = ClientFrame["type"];
const FRAME_TYPES: ReadonlySet<string> = new Set<FrameType>(["ping", "register"]);

export type ReadFrame<T extends FrameType> = { ok: true; frame: Extract<ClientFrame, { type: T }> } | { ok: false; error: AppError };

const badFrame = (message: string) => ({ ok: false as const, error: new AppError(400, "bad_frame", message) });

/** Parses one client frame, accepting only the types this channel takes at this point. */
export function readFrame<T extends FrameType>(message: string | ArrayBuffer, accepted: readonly T[]): ReadFrame<T> {
  if (typeof message !== "string") return badFrame("Frames are JSON text, not binary");
  if (message.length > MAX_FRAME_LENGTH) return badFrame(`A frame is at most ${MAX_FRAME_LENGTH} characters`);
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return badFrame("A frame is one JSON object");
  }
  const type = typeof json === "object" && json !== null && "type" in json ? json.type : undefined;
  if (typeof type !== "string" || !FRAME_TYPES.has(type)) return badFrame(`A frame is a JSON object whose type is one of: ${[...FRAME_TYPES].join(", ")}`);
  if (!(accepted as readonly string[]).includes(type)) {
    return { ok: false, error: new AppError(400, "unexpected_frame", `A "${type}" frame is not expected here; this channel takes: ${accepted.join(", ")}`) };
  }
  const parsed = ClientFrame.safeParse(json);
  if (!parsed.success) return { ok: false, error: validationError(parsed.error) };
  return { ok: true, frame: parsed.data as Extract<ClientFrame, { type: T }> };
}

/** Sends a frame; a socket that closed meanwhile is not an error (the peer is gone). */
export function sendFrame(ws: WebSocket, frame: ServerFrame): void {
  try {
    ws.send(JSON.stringify(frame));
  } catch {
    // Closed or closing: nobody is left to tell.
  }
}

export function closeSocket(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    // Already closed.
  }
}

/**
 * Refuses: an error frame, then a close whose code is 4000 + the error's HTTP status (unless
 * `closeCode` says otherwise) and whose reason is the error code.
 */
export function refuse(ws: WebSocket, error: unknown, closeCode?: number): void {
  const appError = error instanceof AppError ? error : new AppError(500, "internal_error", "Internal error", { cause: error });
  if (appError.status >= 500) {
    const cause = appError.cause ?? error;
    const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    console.error(JSON.stringify({ level: "error", code: appError.code, where: "channel", reason }));
  }
  sendFrame(ws, { type: "error", error: appError.code, message: appError.message, ...appError.extra });
  closeSocket(ws, closeCode ?? closeCodeForStatus(appError.status), appError.code);
}

/**
 * Completes a close the client started. Hibernatable sockets are not always answered by the runtime
 * itself; an answer to an already-closed socket is ignored. Reserved codes (1005, 1006: no code was
 * sent, or the connection dropped) cannot be sent back, so those are answered 1000.
 */
export function answerClose(ws: WebSocket, code: number): void {
  closeSocket(ws, code === 1005 || code === 1006 || code === 1015 ? CLOSE_DONE : code, "");
}
