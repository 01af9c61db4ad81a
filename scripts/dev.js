#!/usr/bin/env node
/**
 * `npm start`: the edge API on http://127.0.0.1:14321 with local D1 and Durable Objects.
 * Creates `.dev.vars` (secrets) and a dev owner key once, applies migrations, seeds the `demo`
 * company, runs `wrangler dev`, and once it answers makes sure the demo's human owner exists;
 * serves the demo's echo upstream (demo-upstream.js) on 127.0.0.1:14329 for `edgevault demo`,
 * then keeps running until SIGINT/SIGTERM. Everything stays on loopback.
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DEMO_UPSTREAM_PORT, startDemoUpstream } from "./demo-upstream.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const DEV_VARS = path.join(ROOT, ".dev.vars");
const DEV_DIR = path.join(ROOT, ".edgevault-dev");
const OWNER_KEY_FILE = path.join(DEV_DIR, "owner-key");
const OWNER_PASSWORD_FILE = path.join(DEV_DIR, "owner-password");
const HOST = "127.0.0.1";
const PORT = 14321;
const URL_BASE = `http://${HOST}:${PORT}`;
const COMPANY = { id: "demo", name: "Demo" };
/** The demo's human owner: signs in at /sign-in and approves proposals at their approval_url. */
const OWNER_USER = { email: "owner@demo.localhost", name: "Demo Owner" };
const READY_TIMEOUT_MS = 60_000;

// Telemetry and Cloudflare's request.cf lookup would reach the internet; dev stays on loopback.
const ENV = {
  ...process.env,
  WRANGLER_SEND_METRICS: process.env.WRANGLER_SEND_METRICS ?? "false",
  CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false",
};

/** @type {import("node:child_process").ChildProcess | undefined} */
let current;
let stopping = false;
for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM"])) {
  process.on(signal, () => {
    stopping = true;
    // A terminal's Ctrl+C already reached the child (same process group); a kill(1) did not.
    if (current && current.exitCode === null && current.signalCode === null) current.kill(signal);
    else process.exit(signal === "SIGINT" ? 130 : 143);
  });
}

const base64url = (bytes) => bytes.toString("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const sha256Hex = (value) => createHash("sha256").update(value, "utf8").digest("hex");
const sqlString = (value) => `'${String(value).replace(/'/g, "''")}'`;

/** Runs a wrangler step with captured output; resolves with it, rejects with it on failure. */
function wrangler(args) {
  return new Promise((resolve, reject) => {
    // stdin is closed so wrangler answers its own confirmation prompts instead of waiting.
    const child = spawn(process.execPath, [WRANGLER, ...args], { cwd: ROOT, env: ENV, stdio: ["ignore", "pipe", "pipe"] });
    current = child;
    let output = "";
    child.stdout?.on("data", (chunk) => (output += chunk));
    child.stderr?.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      current = undefined;
      if (code === 0) resolve(output);
      else reject(Object.assign(new Error(`wrangler ${args.slice(0, 3).join(" ")} failed (${signal ?? `exit ${code}`})`), { output, code, signal }));
    });
  });
}

/** `.dev.vars` holds the Worker's secrets; generated once so stored data stays decryptable. */
function ensureDevVars() {
  const existing = existsSync(DEV_VARS) ? readFileSync(DEV_VARS, "utf8") : "";
  const has = (name) => new RegExp(`^\\s*${name}\\s*=`, "m").test(existing);
  const additions = [];
  if (!has("PLATFORM_TOKEN")) additions.push(`PLATFORM_TOKEN=${base64url(randomBytes(32))}`);
  if (!has("MASTER_KEYS")) additions.push(`MASTER_KEYS=v1:${base64url(randomBytes(32))}`);
  if (!has("TOKEN_MAC_KEY")) additions.push(`TOKEN_MAC_KEY=${base64url(randomBytes(32))}`);
  if (additions.length === 0) return false;
  const separator = existing && !existing.endsWith("\n") ? "\n" : "";
  writeFileSync(DEV_VARS, `${existing}${separator}${additions.join("\n")}\n`, { mode: 0o600 });
  chmodSync(DEV_VARS, 0o600);
  return true;
}

/** Writes a file only its owner can read, in the owner-only `.edgevault-dev/`. */
function writeSecretFile(file, value) {
  mkdirSync(DEV_DIR, { recursive: true, mode: 0o700 });
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/**
 * The dev owner key: `$EDGEVAULT_DEV_OWNER_KEY` when set (the edge accepts any string as a
 * company key, by SHA-256), otherwise `.edgevault-dev/owner-key`, minted on first run.
 */
function ownerKey() {
  const fromEnv = process.env.EDGEVAULT_DEV_OWNER_KEY;
  if (fromEnv) {
    // It travels in `Authorization: Bearer <token>`, which ends at the first whitespace.
    if (/\s/.test(fromEnv)) throw new Error("EDGEVAULT_DEV_OWNER_KEY must not contain whitespace");
    return { token: fromEnv, source: "env", fresh: false };
  }
  if (existsSync(OWNER_KEY_FILE)) {
    const token = readFileSync(OWNER_KEY_FILE, "utf8").trim();
    if (token) return { token, source: "file", fresh: false };
  }
  // Same shape as workers/lib/crypto/tokens.ts: evk_<12 alnum public id>_<43 chars base64url secret>.
  const publicId = base64url(randomBytes(9)).replace(/[-_]/g, "x");
  const token = `evk_${publicId}_${base64url(randomBytes(32))}`;
  writeSecretFile(OWNER_KEY_FILE, token);
  return { token, source: "file", fresh: true };
}

/** A call to the running dev edge with the owner key; resolves with the status and parsed body. */
async function callEdge(method, urlPath, token, body) {
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(`${URL_BASE}${urlPath}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: response.status, body: parsed };
}

/** Resolves once `GET /health` answers; rejects if wrangler exits or stalls first. */
async function waitForEdge(child) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (stopping || child.exitCode !== null || child.signalCode !== null) throw new Error("wrangler dev stopped before the edge answered");
    const up = await fetch(`${URL_BASE}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the edge did not answer ${URL_BASE}/health within ${READY_TIMEOUT_MS / 1000} s`);
}

/**
 * The demo's human owner, created through the edge's own `POST /v1/users` (so the password is
 * hashed exactly as the edge hashes every password) the first time, and left alone after. Its
 * password is kept in `.edgevault-dev/owner-password`; a kept password is reused if the local
 * database was wiped. Resolves with what the banner should say.
 */
async function ensureOwnerUser(key) {
  const listed = await callEdge("GET", "/v1/users", key.token);
  if (listed.status !== 200) return failed("GET /v1/users", listed);
  const kept = existsSync(OWNER_PASSWORD_FILE) ? readFileSync(OWNER_PASSWORD_FILE, "utf8").trim() : "";
  const existing = listed.body.users.find((user) => user.email === OWNER_USER.email);
  if (existing && kept) return { state: "kept" };
  if (existing) return replaceLostOwner(key, existing.id);
  return createOwner(key, kept);
}

async function createOwner(key, kept) {
  const password = kept || base64url(randomBytes(18));
  // Kept before the edge hears it, so a crash in between cannot leave an account nobody can open.
  if (!kept) writeSecretFile(OWNER_PASSWORD_FILE, password);
  const created = await callEdge("POST", "/v1/users", key.token, { ...OWNER_USER, role: "owner", password });
  if (created.status === 201) return kept ? { state: "kept" } : { state: "fresh", password };
  if (created.status === 409 && created.body?.error === "user_exists") return { state: "kept" };
  return failed("POST /v1/users", created);
}

/**
 * The owner exists but its password file is gone, so nobody can sign in as it: it is replaced by
 * a new account of the same address. The edge refuses to remove a company's last owner, so a
 * stand-in owner holds the place in between and is removed at the end.
 */
async function replaceLostOwner(key, lostId) {
  const standIn = await callEdge("POST", "/v1/users", key.token, {
    email: `stand-in-${randomBytes(4).toString("hex")}@demo.localhost`,
    role: "owner",
    password: base64url(randomBytes(18)),
  });
  if (standIn.status !== 201) return failed("POST /v1/users (stand-in owner)", standIn);
  const removed = await callEdge("DELETE", `/v1/users/${lostId}`, key.token);
  const owner = removed.status === 200 ? await createOwner(key, "") : failed(`DELETE /v1/users/${lostId}`, removed);
  const cleared = await callEdge("DELETE", `/v1/users/${standIn.body.user.id}`, key.token);
  if (owner.state === "fresh" && cleared.status !== 200) return failed(`DELETE /v1/users/${standIn.body.user.id} (stand-in owner)`, cleared);
  return owner.state === "fresh" ? { ...owner, replaced: true } : owner;
}

const failed = (what, res) => ({ state: "failed", why: `${what} answered ${res.status} ${JSON.stringify(res.body)}` });

function seedStatements(token) {
  const hash = sha256Hex(token);
  const now = Date.now();
  // The row id derives from the hash so re-running is a no-op for the same key. It has the shape
  // of every key id (`key_<hex>`) so vault sessions it mints can name it (auth/actor-gate-client.ts);
  // the UPDATE renames the `key_dev_…` id earlier versions seeded.
  const keyId = `key_${hash.slice(0, 18)}`;
  return [
    `UPDATE api_keys SET id = ${sqlString(keyId)} WHERE id = ${sqlString(`key_dev_${hash.slice(0, 16)}`)}`,
    `INSERT OR IGNORE INTO companies(id, name, created_at) VALUES (${sqlString(COMPANY.id)}, ${sqlString(COMPANY.name)}, ${now})`,
    // Every company starts with a vault named `default` (as POST /v1/companies makes it).
    `INSERT OR IGNORE INTO vaults(id, company_id, name, created_by, created_at) VALUES (${sqlString(`vlt_default_${COMPANY.id}`)}, ${sqlString(COMPANY.id)}, 'default', 'npm start', ${now})`,
    `INSERT OR IGNORE INTO api_keys(id, company_id, label, prefix, token_hash, created_by, created_at) VALUES (${sqlString(keyId)}, ${sqlString(COMPANY.id)}, 'dev owner', ${sqlString(token.slice(0, 12))}, ${sqlString(hash)}, 'npm start', ${now})`,
  ].join("; ");
}

function ownerLines(owner) {
  const who = `${OWNER_USER.email} (owner of "${COMPANY.id}")`;
  switch (owner.state) {
    case "fresh":
      return [
        ...(owner.replaced ? [`.edgevault-dev/owner-password was gone, so ${OWNER_USER.email} was made anew.`] : []),
        `Human owner: ${who}, password (shown once, saved in .edgevault-dev/owner-password): ${owner.password}`,
      ];
    case "kept":
      return [`Human owner: ${who}, password in .edgevault-dev/owner-password`];
    default:
      return [`Human owner: not created (${owner.why}).`];
  }
}

/** The echo upstream's line: where it answers, or why it does not (the demo then says how to point elsewhere). */
function demoUpstreamLine(demo) {
  return demo.origin
    ? `Demo upstream: ${demo.origin} answers every request with what it received (credentials masked); used by \`npx edgevault demo\`.`
    : `Demo upstream: not started (${demo.why}); \`npx edgevault demo --upstream <origin>\` takes another.`;
}

function banner(key, owner, demo) {
  const keyLine =
    key.source === "env"
      ? "Owner key: from $EDGEVAULT_DEV_OWNER_KEY"
      : key.fresh
        ? `Owner key (shown once, saved in .edgevault-dev/owner-key): ${key.token}`
        : "Owner key: in .edgevault-dev/owner-key";
  const keyExpr = key.source === "env" ? "$EDGEVAULT_DEV_OWNER_KEY" : "$(cat .edgevault-dev/owner-key)";
  return [
    "",
    `Edgevault dev edge: ${URL_BASE}  (company "${COMPANY.id}"; API reference at ${URL_BASE}/docs)`,
    keyLine,
    ...ownerLines(owner),
    `Sign in at ${URL_BASE}/sign-in to approve agents' proposals (their approval_url) and see ${URL_BASE}/inbox.`,
    demoUpstreamLine(demo),
    "",
    "Quick start, in another terminal (README.md):",
    `  export EDGEVAULT_API_KEY=${keyExpr}`,
    "  npx edgevault demo              # a vault, a service, a credential and an agent; two calls with the credential injected",
    "  npx edgevault demo propose      # the agent asks for a new host; approve it in the browser",
    "",
  ].join("\n");
}

async function main() {
  if (ensureDevVars()) console.log("Wrote .dev.vars with fresh secrets (keep it: stored data needs MASTER_KEYS, issued tokens need TOKEN_MAC_KEY).");
  const key = ownerKey();

  const migrated = await wrangler(["d1", "migrations", "apply", "DB", "--local", "--env", "dev"]);
  console.log(/No migrations to apply/i.test(migrated) ? "Migrations: up to date." : "Migrations: applied.");

  await wrangler(["d1", "execute", "DB", "--local", "--env", "dev", "--command", seedStatements(key.token)]);
  if (stopping) return 130;

  const demo = await startDemoUpstream({ port: DEMO_UPSTREAM_PORT }).then(
    (upstream) => ({ origin: upstream.origin, close: upstream.close }),
    (error) => ({ why: error?.code === "EADDRINUSE" ? `port ${DEMO_UPSTREAM_PORT} is taken` : String(error?.message ?? error) }),
  );
  const dev = runDev();
  // The owner user goes through the edge itself; the banner follows once it exists.
  waitForEdge(dev.child)
    .then(() => ensureOwnerUser(key))
    .catch((error) => ({ state: "failed", why: error instanceof Error ? error.message : String(error) }))
    .then((owner) => {
      if (!stopping && dev.child.exitCode === null) console.log(banner(key, owner, demo));
    });
  const code = await dev.exited;
  await demo.close?.();
  return code;
}

/** Starts `wrangler dev` in the foreground; `exited` resolves with the exit code to pass on. */
function runDev() {
  // Links (approval_url, invites, a session's addr) start with the address the edge listens on.
  const args = ["dev", "--env", "dev", "--ip", HOST, "--port", String(PORT), "--var", `PUBLIC_ORIGIN:${URL_BASE}`, "--log-level", "warn"];
  // Seed 004's anonymous registration at the bare address joins the demo company (docs/agents.md).
  args.push("--var", `DEFAULT_COMPANY:${COMPANY.id}`);
  // stdin stays closed: Ctrl+C then reaches wrangler as a plain SIGINT, not a raw-mode keypress.
  const child = spawn(process.execPath, [WRANGLER, ...args], { cwd: ROOT, env: ENV, stdio: ["ignore", "inherit", "inherit"] });
  current = child;
  const exited = new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      current = undefined;
      resolve(code ?? (signal === "SIGINT" ? 130 : signal === "SIGTERM" ? 143 : 1));
    });
  });
  return { child, exited };
}

main().then(
  (code) => process.exit(code),
  (error) => {
    if (stopping) process.exit(130);
    if (error?.output) process.stderr.write(error.output);
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(typeof error?.code === "number" && error.code > 0 ? error.code : 1);
  },
);
