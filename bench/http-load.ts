/**
 * Keep-alive HTTP load with autocannon (each connection sends its next request as soon as the
 * previous answer is in; no pipelining). autocannon's own histogram rounds to whole
 * milliseconds, too coarse for sub-millisecond goals, so latencies are taken from its
 * per-response event instead, at full precision.
 */
import autocannon from "autocannon";
import { Latencies, type Measurement, type RunWindow } from "./measurement.ts";

export type HttpLoadOptions = RunWindow & {
  url: string;
  connections: number;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  /** Headers that change per request (e.g. round-robin tokens); called once per request. */
  perRequest?: () => Record<string, string>;
};

export async function httpLoad(options: HttpLoadOptions): Promise<Measurement> {
  const perRequest = options.perRequest;
  const start = performance.now() + options.warmupMs;
  const latencies = new Latencies({ start, end: start + options.durationMs });
  let finished!: (error: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    finished = (error) => (error ? reject(error) : resolve());
  });
  const autocannonOptions: autocannon.Options = {
    url: options.url,
    connections: options.connections,
    pipelining: 1,
    duration: (options.warmupMs + options.durationMs) / 1000,
    timeout: 30,
    // autocannon checks for the end of a run on this tick: its 1 s default would round every run up to a second.
    sampleInt: 50,
    method: options.method ?? "GET",
    headers: options.headers,
    body: options.body,
    ...(perRequest
      ? { requests: [{ setupRequest: (request: autocannon.Request) => ({ ...request, headers: { ...request.headers, ...perRequest() } }) }] }
      : {}),
  };
  const instance = autocannon(autocannonOptions, (error) => finished(error));
  instance.on("response", (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) latencies.record(responseTime);
    else latencies.error();
  });
  instance.on("reqError", () => latencies.error());
  await done;
  return latencies.summary(options.durationMs / 1000);
}
