/**
 * `npm run bench`: throughput and latency of the edge on this machine, in one run so the
 * numbers compare with each other: a trivial route (/health), a control-plane route that
 * reads D1 (GET /v1/credentials), and the warm proxy path (/proxy → a local upstream), plus
 * the raw upstream for reference. Results go to bench/results.md as a table.
 * Timing goals live here, never in tests.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { startEdge, ROOT } from "../test/cli/support/edge.ts";

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);

type Result = { name: string; requests: number; rps: number; p50: number; p99: number; errors: number };

async function measure(name: string, url: string, headers: Record<string, string> = {}): Promise<Result> {
  // Warm-up: fill caches (gate state, vault config, connections) before measuring.
  for (let i = 0; i < 20; i++) await (await fetch(url, { headers })).arrayBuffer();
  const latencies: number[] = [];
  let errors = 0;
  const end = Date.now() + DURATION_MS;
  const worker = async () => {
    while (Date.now() < end) {
      const started = performance.now();
      const res = await fetch(url, { headers });
      await res.arrayBuffer();
      latencies.push(performance.now() - started);
      if (res.status !== 200) errors++;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { name, requests: latencies.length, rps: latencies.length / seconds, p50: at(0.5), p99: at(0.99), errors };
}

const upstream = createServer((_req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end('{"ok":true}');
});
await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

const edge = await startEdge();
try {
  const company = await edge.createCompany();
  await edge.call("POST", "/v1/vaults", company.ownerKey, { name: "bench" });
  await edge.call("PATCH", "/v1/vaults/bench", company.ownerKey, { rate_limit: { rate_per_second: 10_000, burst: 100_000, max_concurrent: 1000 } });
  await edge.call("POST", "/v1/vaults/bench/services", company.ownerKey, {
    name: "api",
    host: "api.bench.example",
    upstream: upstreamUrl,
    auth: { type: "bearer", token: "API_KEY" },
  });
  await edge.call("POST", "/v1/credentials", company.ownerKey, { vault: "bench", credentials: { API_KEY: "bench-secret" } });
  const session = (await edge.call("POST", "/v1/sessions", company.ownerKey, { vault: "bench" })).body as { token: string };
  const agentAuth = { Authorization: `Bearer ${session.token}` };

  const results = [
    await measure("upstream directly (reference)", `${upstreamUrl}/`),
    await measure("GET /health", `${edge.addr}/health`),
    await measure("GET /v1/credentials (D1 read)", `${edge.addr}/v1/credentials?vault=bench`, { Authorization: `Bearer ${company.ownerKey}` }),
    await measure("GET /proxy/… warm (no D1, one DO call)", `${edge.addr}/proxy/api.bench.example/v1/x`, agentAuth),
  ];
  const table = [
    `Measured ${new Date().toISOString()} on ${process.platform}/${process.arch}, Node ${process.version}, wrangler dev, ${CONCURRENCY} concurrent clients, ${DURATION_MS / 1000} s each.`,
    "",
    "| route | requests | req/s | p50 ms | p99 ms | non-200 |",
    "|---|---:|---:|---:|---:|---:|",
    ...results.map((r) => `| ${r.name} | ${r.requests} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.errors} |`),
    "",
    "Compare ratios within one run, not absolute numbers across machines.",
  ].join("\n");
  console.log(table);
  await writeFile(path.join(ROOT, "bench", "results.md"), `# Benchmark results\n\n${table}\n`);
} finally {
  await edge.stop();
  upstream.close();
}
