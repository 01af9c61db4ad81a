/**
 * Worker-side view of the recording upstream started by global-setup.ts: where it listens and
 * what it received. Specs run in workerd and fetch it directly on 127.0.0.1.
 */
import { inject } from "vitest";
import type { RecordedRequest } from "../support/upstream-server.ts";
import { unique } from "./helpers.ts";

export type { RecordedRequest } from "../support/upstream-server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    upstreamPort: number;
  }
}

/** The upstream's port on 127.0.0.1. */
export function upstreamPort(): number {
  return inject("upstreamPort");
}

/**
 * `http://127.0.0.1:<port>` plus `path`.
 *
 * @example upstreamUrl(`/r/${id}/status/404`)
 */
export function upstreamUrl(path = ""): string {
  return `http://127.0.0.1:${upstreamPort()}${path}`;
}

/** A fresh request id: use it as `/r/<id>/…` or the `x-test-id` header. */
export function requestId(): string {
  return unique("req");
}

/** Every request the upstream recorded under `id`, in arrival order. */
export async function recorded(id: string): Promise<RecordedRequest[]> {
  const response = await fetch(upstreamUrl(`/__recorded/${encodeURIComponent(id)}`));
  if (!response.ok) throw new Error(`upstream control endpoint answered ${response.status}`);
  return (await response.json()) as RecordedRequest[];
}

/** The recorded requests once `count` of them have finished arriving (the upstream holds the answer until then). */
export async function recordedSettled(id: string, count = 1, timeoutMs = 5_000): Promise<RecordedRequest[]> {
  const response = await fetch(upstreamUrl(`/__recorded/${encodeURIComponent(id)}?count=${count}&timeout_ms=${timeoutMs}`));
  if (!response.ok) throw new Error(`upstream control endpoint answered ${response.status}`);
  return (await response.json()) as RecordedRequest[];
}
