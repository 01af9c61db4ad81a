/**
 * The steps of a warm `/proxy` request, for bench/profile-edge.ts: each names the source files (or
 * functions) whose time is that step's, so a profile says what the token, the admission, the
 * decryption, the redaction, the request log … each cost per request. Functions of
 * proxy.handlers.ts are told apart by their line ranges, read from the source as it is now.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "../test/cli/support/edge.ts";
import type { Place, Step } from "./worker-profile.ts";

const HANDLER = "workers/proxy/proxy.handlers.ts";

/** The lines of a top-level function (from its `function name(` line to the next line that is a lone `}`). */
function linesOf(file: string, name: string): [number, number] {
  const lines = readFileSync(path.join(ROOT, file), "utf8").split("\n");
  const start = lines.findIndex((l) => new RegExp(`^(export )?(async )?function ${name}\\(`).test(l));
  if (start === -1) return [0, -1];
  const end = lines.findIndex((l, i) => i > start && /^}/.test(l));
  return [start + 1, end + 1];
}

const within = (file: string, name: string) => {
  const [from, to] = linesOf(file, name);
  return (p: Place) => p.file === file && p.line >= from && p.line <= to;
};
const named =
  (file: string, ...names: string[]) =>
  (p: Place) =>
    p.file === file && names.some((n) => p.name.startsWith(`${n} `));
const under =
  (...prefixes: string[]) =>
  (p: Place) =>
    prefixes.some((prefix) => p.file.startsWith(prefix));
const anyOf =
  (...tests: ((p: Place) => boolean)[]) =>
  (p: Place) =>
    tests.some((t) => t(p));

/** In order: a frame matching two steps is the first one's (redaction before the other request rules). */
export function proxySteps(): Step[] {
  return [
    {
      name: "token: read, SHA-256 and MAC (auth/credential.ts, token-signer.ts, lib/crypto/tokens.ts)",
      holds: under(
        "workers/auth/credential.ts",
        "workers/auth/token-signer.ts",
        "workers/auth/bearer.ts",
        "workers/lib/crypto/tokens.ts",
        "workers/lib/crypto/passport.ts",
      ),
    },
    { name: "in-flight release (lease-releases.ts, releaseSlot)", holds: anyOf(under("workers/proxy/lease-releases.ts"), within(HANDLER, "releaseSlot")) },
    {
      name: "attestation chain: sealing each request's record (ChainSealer, in this isolate)",
      holds: under(
        "durable-objects/chain-",
        "workers/chain/",
        "workers/lib/crypto/merkle-tree.ts",
        "workers/lib/crypto/chain-record.ts",
        "node_modules/canonicalize/",
      ),
    },
    {
      name: "admission: the row, the gate call (proxy/admission.ts, auth/, ActorGate.admit in this isolate)",
      holds: under("workers/proxy/admission.ts", "workers/auth/", "durable-objects/", "workers/lib/rate-limit.ts", "workers/lib/principal.ts"),
    },
    {
      name: "decrypting the credential (openCredentials, crypto-envelope.ts)",
      holds: anyOf(named("workers/proxy/vault-config.ts", "openCredentials"), under("workers/lib/crypto/crypto-envelope.ts")),
    },
    { name: "vault config from the isolate cache (vault-config.ts)", holds: under("workers/proxy/vault-config.ts", "workers/lib/stale-while-revalidate.ts") },
    {
      name: "redaction: response headers, the body's redactor and its scan (redaction.ts, responseRedaction)",
      holds: anyOf(under("workers/lib/http/redaction.ts"), named("workers/proxy/request-rules.ts", "responseRedaction", "secretsToRedact")),
    },
    {
      name: "service match, method, hold, injection, substitutions",
      holds: anyOf(
        under(
          "workers/lib/http/host-pattern.ts",
          "workers/lib/http/inject-auth.ts",
          "workers/lib/http/substitutions.ts",
          "workers/lib/http/header-template.ts",
        ),
        under("workers/proxy/request-hold.ts", "workers/proxy/request-rules.ts"),
        within(HANDLER, "resolveService"),
      ),
    },
    { name: "header copying (forward-headers.ts)", holds: under("workers/lib/http/forward-headers.ts") },
    { name: "the upstream fetch (forward)", holds: within(HANDLER, "forward") },
    { name: "the byte-counting stream (countBytes)", holds: within(HANDLER, "countBytes") },
    {
      name: "request log: the row, its buffer, its batched D1 write (request-log/, drizzle, D1 client)",
      holds: anyOf(
        within(HANDLER, "requestLogger"),
        under("workers/request-log/", "workers/db/", "node_modules/src/", "node_modules/drizzle-orm/", "cloudflare-internal:d1-api"),
      ),
    },
    {
      name: "the app's prelude: host check, body cap, database handle (app.ts)",
      holds: under("workers/app.ts", "workers/body-caps.ts", "workers/lib/http/served-host.ts", "workers/config.ts"),
    },
    {
      name: "the proxy handler's own lines (URL, path split, target, refusals)",
      holds: under(HANDLER, "workers/proxy/proxy-errors.ts", "workers/lib/app-error.ts"),
    },
    { name: "Hono: routing, context, middleware chain", holds: under("node_modules/hono/", "node_modules/@hono/", "node_modules/zod/") },
    {
      name: "wrangler dev's wrappers (not in production) and the bundle's __name helper (in production too)",
      holds: (p) => p.file.includes(".wrangler/") || p.file.startsWith("file://") || p.file.startsWith("node_modules/wrangler/"),
    },
  ];
}

/** The floor Worker's steps: its own code, and what wrangler wraps around it. */
export function floorSteps(): Step[] {
  return [
    { name: "the floor Worker's code (bench/floor-worker.ts)", holds: (p) => p.file.endsWith("floor-worker.ts") },
    {
      name: "wrangler dev's wrappers (not in production) and the bundle's __name helper (in production too)",
      holds: (p) => p.file.includes(".wrangler/") || p.file.startsWith("file://") || p.file.startsWith("node_modules/wrangler/"),
    },
  ];
}
