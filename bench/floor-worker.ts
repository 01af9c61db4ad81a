/**
 * The runtime's floor for a proxy hop, for `npm run bench` only (bench/wrangler.floor.toml):
 * what a Worker under `wrangler dev` costs when it does nothing but `fetch(UPSTREAM + path)`
 * and return the response. The edge's `/proxy` is compared with this, not with the upstream,
 * so the runtime's and wrangler's own cost per request is not counted against the edge.
 *
 * More routes explain where the edge's time goes, each one step closer to `/proxy`:
 * `/__gate/<path>` makes one Durable Object call before forwarding and one after (the edge's
 * `admit` and `release` as they were), `/__admit/<path>` only the one before (the edge's
 * `admit`, which now carries the previous request's release), and `/__jwt/{sign,verify,noop}` sign or verify one JWT-SVID with the
 * edge's own code (workers/lib/crypto/jwt-svid.ts) and keys held in memory, so the crypto is measured
 * inside workerd without the D1 reads of the edge's identity routes.
 *
 * `/__work/<path>` is the floor with the runtime calls a credential-injecting proxy cannot do
 * without, written as tightly as we can and with nothing of the edge's code: the one Durable Object
 * call, the credential (decrypted once per isolate, as the edge keeps it), the upstream's headers built with it, the fetch
 * under a timeout, the answer read whole and searched for the credential, a new `Response` with the
 * answer's headers, and a log row buffered and written to D1 a batch at a time (one statement, as the edge
 * writes its request log), after the response. `/proxy` minus this row
 * is the edge's own code; this row minus `/__admit` is what the work costs on this runtime.
 *
 * `/__objects/<path>` is `/__admit/` with its call made to the object the client names in
 * `x-bench-object`: spread over 1,000 names, it is what 1,000 agents' gates (one Durable Object
 * each) cost the runtime, against one.
 */
import { DurableObject } from "cloudflare:workers";
import {
  generateSigningKeyPair,
  importPrivateKey,
  importPublicKey,
  signJwt,
  SVID_TTL_SECONDS,
  SVID_TYP,
  verifyJwtSignature,
  type SignerKey,
  type SigningAlg,
} from "../workers/lib/crypto/jwt-svid.ts";

type FloorEnv = { UPSTREAM: string; GATE: DurableObjectNamespace<BenchGate>; DB: D1Database };

/** Stands in for the edge's ActorGate: an in-memory count, like its in-flight budget. */
export class BenchGate extends DurableObject {
  #inFlight = 0;

  admit(): boolean {
    this.#inFlight += 1;
    return true;
  }

  release(): void {
    this.#inFlight -= 1;
  }
}

const ISSUER = "https://edgevault.localhost/company/bench";
const AUDIENCE = "edgevault";

type Keys = { signer: SignerKey; publicKey: Awaited<ReturnType<typeof importPublicKey>>; token: string };
const keys = new Map<SigningAlg, Promise<Keys>>();

/** One key pair per algorithm for the isolate's life, and one token signed with it to verify. */
function keysFor(alg: SigningAlg): Promise<Keys> {
  let pending = keys.get(alg);
  if (!pending) {
    pending = (async () => {
      const pair = await generateSigningKeyPair(alg);
      const signer = { kid: `bench-${alg}`, alg, privateKey: await importPrivateKey(pair.privateJwk, alg) };
      const token = await signJwt(signer, SVID_TYP, claims());
      return { signer, publicKey: await importPublicKey(pair.publicJwk, alg), token };
    })();
    keys.set(alg, pending);
  }
  return pending;
}

function claims() {
  const iat = Math.floor(Date.now() / 1000);
  return { iss: ISSUER, sub: "spiffe://edgevault.localhost/company/bench/agent/bench-agent", aud: [AUDIENCE], iat, exp: iat + SVID_TTL_SECONDS };
}

async function jwt(url: URL): Promise<Response> {
  const alg: SigningAlg = url.searchParams.get("alg") === "ES256" ? "ES256" : "EdDSA";
  if (url.pathname === "/__jwt/noop") return Response.json({ ok: true });
  const { signer, publicKey, token } = await keysFor(alg);
  if (url.pathname === "/__jwt/sign") return Response.json({ svid: await signJwt(signer, SVID_TYP, claims()) });
  if (url.pathname === "/__jwt/verify") {
    const payload = await verifyJwtSignature(token, publicKey, { alg, audience: AUDIENCE, issuer: ISSUER, now: Date.now() });
    return Response.json({ sub: payload.sub });
  }
  return new Response("not found", { status: 404 });
}

const CREDENTIAL = "sk_bench_floor_credential_0123456789abcdef";
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "authorization",
  "content-length",
]);
let sealed: Promise<{ key: CryptoKey; iv: Uint8Array; ciphertext: ArrayBuffer }> | undefined;
let opened: Promise<Uint8Array> | undefined;
type LogRow = { path: string; status: number; bytes: number; at: number };
let logRows: LogRow[] = [];
let logFlush: Promise<void> | undefined;
let logTable: Promise<unknown> | undefined;

/** A batch of log rows as one statement, the table made on the isolate's first write. */
async function writeLog(db: D1Database, rows: LogRow[]): Promise<void> {
  logTable ??= db.prepare("CREATE TABLE IF NOT EXISTS request_log (path TEXT, status INTEGER, bytes INTEGER, at INTEGER)").run();
  await logTable;
  await db
    .prepare("INSERT INTO request_log (path, status, bytes, at) SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?)")
    .bind(JSON.stringify(rows.map((r) => [r.path, r.status, r.bytes, r.at])))
    .run();
}

/** The credential encrypted once per isolate, as the edge's vault config holds it. */
function sealedCredential(): Promise<{ key: CryptoKey; iv: Uint8Array; ciphertext: ArrayBuffer }> {
  sealed ??= (async () => {
    const raw = crypto.getRandomValues(new Uint8Array(32));
    const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ciphertext = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, new TextEncoder().encode(CREDENTIAL));
    return { key, iv, ciphertext };
  })();
  return sealed;
}

/** The credential decrypted once per isolate, as the edge's copy of a vault config keeps what its requests opened (vault-config.ts). */
function openedCredential(): Promise<Uint8Array> {
  opened ??= sealedCredential().then(async ({ key, iv, ciphertext }) => new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv }, key, ciphertext)));
  return opened;
}

function copyHeaders(from: Headers): Headers {
  const to = new Headers();
  for (const [name, value] of from) if (!HOP_BY_HOP.has(name)) to.append(name, value);
  return to;
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  const first = needle[0];
  for (let i = haystack.indexOf(first as number); i !== -1 && i <= haystack.length - needle.length; i = haystack.indexOf(first as number, i + 1)) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j += 1;
    if (j === needle.length) return true;
  }
  return false;
}

async function requiredWork(request: Request, env: FloorEnv, ctx: ExecutionContext, path: string): Promise<Response> {
  await env.GATE.get(env.GATE.idFromName("bench")).admit();
  const credential = await openedCredential();
  const headers = copyHeaders(request.headers);
  headers.set("authorization", `Bearer ${new TextDecoder().decode(credential)}`);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 30_000);
  let upstream: Response;
  try {
    upstream = await fetch(`${env.UPSTREAM}${path}`, { method: request.method, headers, redirect: "manual", signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
  const body = new Uint8Array(await upstream.arrayBuffer());
  if (contains(body, credential)) return new Response("redacted", { status: 502 });
  logRows.push({ path, status: upstream.status, bytes: body.length, at: Date.now() });
  // As the edge's writer batches (request-log.writer.ts): 100 rows, or what 2 s gathered; a full
  // batch ends the pending timed flush, whose timer then does nothing.
  if (logRows.length >= 100) {
    ctx.waitUntil(writeLog(env.DB, logRows));
    logRows = [];
    logFlush = undefined;
  } else {
    if (!logFlush) {
      const flush: Promise<void> = new Promise<void>((resolve) => setTimeout(resolve, 2_000)).then(() => {
        if (logFlush !== flush) return;
        const rows = logRows;
        logRows = [];
        logFlush = undefined;
        return writeLog(env.DB, rows);
      });
      logFlush = flush;
    }
    ctx.waitUntil(logFlush);
  }
  return new Response(body, { status: upstream.status, headers: copyHeaders(upstream.headers) });
}

export default {
  async fetch(request, env, ctx): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/__jwt/")) return jwt(url);
    if (url.pathname.startsWith("/__work/")) return requiredWork(request, env, ctx, `${url.pathname.slice("/__work".length)}${url.search}`);
    const init = { method: request.method, headers: request.headers, body: request.body };
    if (url.pathname.startsWith("/__admit/")) {
      await env.GATE.get(env.GATE.idFromName("bench")).admit();
      return fetch(`${env.UPSTREAM}${url.pathname.slice("/__admit".length)}${url.search}`, init);
    }
    if (url.pathname.startsWith("/__objects/")) {
      await env.GATE.get(env.GATE.idFromName(request.headers.get("x-bench-object") ?? "bench")).admit();
      return fetch(`${env.UPSTREAM}${url.pathname.slice("/__objects".length)}${url.search}`, init);
    }
    if (url.pathname.startsWith("/__gate/")) {
      const gate = env.GATE.get(env.GATE.idFromName("bench"));
      await gate.admit();
      const response = await fetch(`${env.UPSTREAM}${url.pathname.slice("/__gate".length)}${url.search}`, init);
      ctx.waitUntil(gate.release());
      return response;
    }
    return fetch(`${env.UPSTREAM}${url.pathname}${url.search}`, init);
  },
} satisfies ExportedHandler<FloorEnv>;
