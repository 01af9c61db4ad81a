/**
 * A minimal WebSocket echo for the recording upstream: completes the RFC 6455 handshake and
 * echoes text frames (unmasked, as a server must). Enough to prove the edge forwards upgrades
 * with the credential injected; not a general WebSocket server.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

export function acceptWebSocket(req: IncomingMessage, socket: Duplex): void {
  const key = req.headers["sec-websocket-key"];
  if (typeof key !== "string") return void socket.destroy();
  const accept = createHash("sha1")
    .update(key + GUID)
    .digest("base64");
  socket.write(["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade", `Sec-WebSocket-Accept: ${accept}`, "", ""].join("\r\n"));
  let buffered = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      const frame = readFrame(buffered);
      if (!frame) break;
      buffered = buffered.subarray(frame.length);
      if (frame.opcode === 0x8) return void socket.end(Buffer.from([0x88, 0x00]));
      if (frame.opcode === 0x1) socket.write(textFrame(`echo:${frame.payload.toString("utf8")}`));
    }
  });
  socket.on("error", () => socket.destroy());
}

function readFrame(data: Buffer): { opcode: number; payload: Buffer; length: number } | undefined {
  if (data.length < 2) return undefined;
  const opcode = (data[0] ?? 0) & 0x0f;
  const masked = ((data[1] ?? 0) & 0x80) !== 0;
  let size = (data[1] ?? 0) & 0x7f;
  let offset = 2;
  if (size === 126) {
    if (data.length < 4) return undefined;
    size = data.readUInt16BE(2);
    offset = 4;
  } else if (size === 127) {
    if (data.length < 10) return undefined;
    size = Number(data.readBigUInt64BE(2));
    offset = 10;
  }
  const maskOffset = offset;
  if (masked) offset += 4;
  if (data.length < offset + size) return undefined;
  const payload = Buffer.from(data.subarray(offset, offset + size));
  if (masked) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] ?? 0) ^ (data[maskOffset + (i % 4)] ?? 0);
  return { opcode, payload, length: offset + size };
}

function textFrame(text: string): Buffer {
  const payload = Buffer.from(text, "utf8");
  const header = payload.length < 126 ? Buffer.from([0x81, payload.length]) : Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, payload]);
}
