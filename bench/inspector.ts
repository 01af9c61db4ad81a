/**
 * A minimal Chrome DevTools Protocol client for a Worker under `wrangler dev`: wrangler's
 * inspector proxy (its `--inspector-port`) lists the Worker's isolate at `/json`, and its
 * WebSocket carries CDP to workerd's V8 inspector. bench/profile-edge.ts uses the `Profiler`
 * domain through it: V8's sampling CPU profiler, inside workerd.
 */
import { WebSocket } from "undici";

type Target = { id: string; title?: string; url?: string; webSocketDebuggerUrl?: string };

export type Inspector = {
  send<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
  /** Calls `listener` with the params of every event named `method` from now on. */
  on(method: string, listener: (params: Record<string, unknown>) => void): void;
  close(): void;
};

/** The Worker's inspector target behind wrangler's proxy at `port` (retried while wrangler is still starting it). */
export async function workerTarget(port: number, timeoutMs = 30_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < until) {
    try {
      const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as Target[];
      const target = targets.find((t) => t.webSocketDebuggerUrl);
      if (target?.webSocketDebuggerUrl) return target.webSocketDebuggerUrl;
      last = JSON.stringify(targets);
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no inspector target at 127.0.0.1:${port} (${last})`);
}

export async function connectInspector(url: string): Promise<Inspector> {
  // wrangler's inspector proxy refuses an upgrade from a client that names itself but no Origin.
  const socket = new WebSocket(url, { headers: { origin: "http://localhost" } });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  const listeners = new Map<string, ((params: Record<string, unknown>) => void)[]>();
  let next = 0;
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve(), { once: true });
    socket.addEventListener("error", () => reject(new Error(`cannot open the inspector at ${url}`)), { once: true });
  });
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as {
      id?: number;
      method?: string;
      params?: Record<string, unknown>;
      result?: unknown;
      error?: { message: string };
    };
    if (message.id === undefined) {
      for (const listener of listeners.get(message.method ?? "") ?? []) listener(message.params ?? {});
      return;
    }
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error) waiter?.reject(new Error(message.error.message));
    else waiter?.resolve(message.result);
  });
  socket.addEventListener("close", () => {
    for (const waiter of pending.values()) waiter.reject(new Error("the inspector closed"));
    pending.clear();
  });
  return {
    send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
      const id = ++next;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        socket.send(JSON.stringify({ id, method, params }));
      });
    },
    on(method, listener) {
      listeners.set(method, [...(listeners.get(method) ?? []), listener]);
    },
    close: () => socket.close(),
  };
}
