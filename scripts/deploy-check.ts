/**
 * `npm run deploy:check`: what can be known about a deployment without a Cloudflare account.
 *
 * 1. The wrangler config (read by wrangler's own reader, so environments inherit exactly as they
 *    will on deploy) against what the code needs: every binding of `Env` (workers/env.ts) with the
 *    right kind and Durable Object class, each class exported by the entry and created by a
 *    `[[migrations]]` step, every required var present, no secret committed as a var, the vars
 *    accepted by the edge's own settings parser (workers/config.ts); and for production (the
 *    top level) the settings that keep it safe.
 * 2. `wrangler deploy --dry-run`: the real bundle, built locally; nothing is uploaded.
 *
 * Usage: npm run deploy:check [-- --config <wrangler.toml>] [-- --strict]
 *   --strict  also fail on what only a real deployment needs: the D1 database id, PUBLIC_ORIGIN, and
 *             no placeholder left (TRUST_DOMAIN edgevault.dev, example names).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import ts from "typescript";
import { experimental_readRawConfig, unstable_readConfig } from "wrangler";
import { configOf } from "../workers/config.ts";
import type { Env } from "../workers/env.ts";
import { trustDomainProblem } from "../workers/lib/crypto/spiffe.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const ENV_FILE = path.join(ROOT, "workers", "env.ts");
/** The id the repository's wrangler.toml carries until an operator puts their database's in. */
const PLACEHOLDER_DATABASE_ID = "00000000-0000-0000-0000-000000000000";
/** The trust domain the repository's wrangler.toml carries: docs/deploy.md says to choose your own, once. */
const PLACEHOLDER_TRUST_DOMAIN = "edgevault.dev";
/**
 * Names reserved for examples and tests (RFC 2606, RFC 6761): a deployment that still carries one
 * copied it from the docs. `edge.example.com`, `edgevault.example`, `x.test`, `x.invalid`, `localhost`.
 */
const EXAMPLE_NAME = /(?:^|\.)(?:example(?:\.(?:com|net|org))?|test|invalid|localhost)$/;
/** Production's own flags: without this one, `fetch()` could reach private addresses (docs/proxy.md). */
const PRODUCTION_FLAGS = ["global_fetch_strictly_public"];

type Finding = { level: "error" | "warning"; where: string; message: string };

/** One member of `Env`, as the code declares it. */
type Requirement =
  | { kind: "d1"; name: string }
  | { kind: "durable_object"; name: string; className: string }
  | { kind: "var"; name: string; optional: boolean }
  | { kind: "secret"; name: string; optional: boolean };

type WranglerConfig = ReturnType<typeof unstable_readConfig>;
type D1Binding = { binding: string; database_id?: string; migrations_dir?: string };
type DurableObjectBinding = { name: string; class_name: string; script_name?: string };

/**
 * Reads `interface Env` from workers/env.ts: the bindings by their type, and strings as vars,
 * or as secrets when their doc comment says `Secret:` (the file's convention). A Durable Object
 * namespace is typed by its class's RPC interface, `<Class>Rpc` (durable-objects/<object>.rpc.ts),
 * so the class it needs is the interface's name without the suffix.
 */
function requirementsOf(file: string): { requirements: Requirement[]; unknown: string[] } {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
  const requirements: Requirement[] = [];
  const unknown: string[] = [];
  const declaration = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === "Env");
  if (!declaration) throw new Error(`${file} declares no interface Env`);
  for (const member of declaration.members) {
    if (!ts.isPropertySignature(member) || !member.type) continue;
    const name = member.name.getText(source);
    const type = member.type.getText(source);
    const optional = member.questionToken !== undefined;
    const doc = ts
      .getJSDocCommentsAndTags(member)
      .map((d) => d.getText(source))
      .join(" ");
    const durableObject = /^DurableObjectNamespace<(\w+?)(?:Rpc)?>$/.exec(type);
    if (type === "D1Database") requirements.push({ kind: "d1", name });
    else if (durableObject?.[1]) requirements.push({ kind: "durable_object", name, className: durableObject[1] });
    else if (type === "string") requirements.push({ kind: /\bSecret:/.test(doc) ? "secret" : "var", name, optional });
    else unknown.push(`${name}: ${type}`);
  }
  return { requirements, unknown };
}

/** Names the Worker's entry module exports (the Durable Object classes must be among them). */
function exportsOf(file: string): Set<string> {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
  const names = new Set<string>();
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      for (const element of statement.exportClause.elements) names.add(element.name.text);
    }
    if (ts.isClassDeclaration(statement) && statement.name && statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
      names.add(statement.name.text);
    }
  }
  return names;
}

/** The Durable Object classes the migrations leave in existence, in order. */
function migratedClasses(config: WranglerConfig): Set<string> {
  const live = new Set<string>();
  for (const step of config.migrations) {
    for (const name of [...(step.new_classes ?? []), ...(step.new_sqlite_classes ?? [])]) live.add(name);
    for (const { from, to } of step.renamed_classes ?? []) {
      live.delete(from);
      live.add(to);
    }
    for (const name of step.deleted_classes ?? []) live.delete(name);
  }
  return live;
}

/** Checks one environment's resolved config against the code; `production` adds the top level's rules. */
function checkEnvironment(where: string, config: WranglerConfig, requirements: Requirement[], options: { production: boolean; strict: boolean }) {
  const findings: Finding[] = [];
  const error = (message: string) => findings.push({ level: "error", where, message });
  const warning = (message: string) => findings.push({ level: "warning", where, message });
  const vars = config.vars as Record<string, unknown>;
  const entryExports = config.main ? exportsOf(config.main) : new Set<string>();
  const live = migratedClasses(config);

  for (const need of requirements) {
    if (need.kind === "d1") {
      const db = (config.d1_databases as D1Binding[]).find((d) => d.binding === need.name);
      if (!db) {
        error(`no [[d1_databases]] binding "${need.name}" (workers/env.ts needs it)`);
        continue;
      }
      if (!db.database_id) error(`D1 binding "${need.name}" has no database_id`);
      else if (db.database_id === PLACEHOLDER_DATABASE_ID && options.production) {
        const message = `D1 binding "${need.name}" still has the placeholder database_id: put yours in (wrangler d1 create, docs/deploy.md)`;
        if (options.strict) error(message);
        else warning(message);
      }
      const dir = path.resolve(ROOT, db.migrations_dir ?? "migrations");
      if (!existsSync(dir) || !statSync(dir).isDirectory() || !readdirSync(dir).some((f) => f.endsWith(".sql")))
        error(`D1 binding "${need.name}": migrations_dir ${path.relative(ROOT, dir) || "."} holds no .sql migrations`);
    } else if (need.kind === "durable_object") {
      const binding = (config.durable_objects.bindings as DurableObjectBinding[]).find((b) => b.name === need.name);
      if (!binding) error(`no [[durable_objects.bindings]] "${need.name}" (class ${need.className}; workers/env.ts needs it)`);
      else if (binding.class_name !== need.className)
        error(`Durable Object binding "${need.name}" names class ${binding.class_name}, the code expects ${need.className}`);
      else if (binding.script_name) error(`Durable Object binding "${need.name}" points at another Worker (script_name); ${need.className} lives in this one`);
      if (!entryExports.has(need.className)) error(`the entry (${path.relative(ROOT, config.main ?? "")}) does not export ${need.className}`);
      if (!live.has(need.className)) error(`no [[migrations]] step creates ${need.className} (add it to new_sqlite_classes in a new step)`);
    } else if (need.kind === "var") {
      if (!need.optional && typeof vars[need.name] !== "string") error(`[vars] lacks ${need.name} (workers/env.ts needs it)`);
    } else if (need.name in vars) {
      error(`${need.name} is a secret but is set in [vars], in plain text in the repository: remove it and use wrangler secret put ${need.name}`);
    }
  }

  const known = new Set(requirements.map((r) => r.name));
  for (const name of Object.keys(vars)) if (!known.has(name)) warning(`[vars] sets ${name}, which workers/env.ts does not declare: the code never reads it`);

  // The edge's own parser: whatever it would refuse at the first request fails here instead.
  try {
    const settings = configOf({ ...vars } as unknown as Env);
    const problem = trustDomainProblem(settings.trustDomain);
    if (problem) error(`TRUST_DOMAIN "${settings.trustDomain}": ${problem}`);
    if (options.production) {
      if (settings.environment !== "production") error(`ENVIRONMENT is "${settings.environment}": a dev edge accepts any string as a company key`);
      if (settings.allowPrivateUpstreams) error("ALLOW_PRIVATE_UPSTREAMS is true: services could point at loopback and plain-http upstreams");
      findings.push(...placeholderFindings(where, settings, options.strict));
      findings.push(...publicOriginFindings(where, settings.publicOrigin, config, options.strict));
    } else if (!settings.publicOrigin) {
      warning("PUBLIC_ORIGIN is not set: this edge would answer every request 500 server_misconfigured");
    }
  } catch (failure) {
    error(`the edge would refuse these vars: ${settingsProblem(failure)}`);
  }
  if (options.production) {
    for (const flag of PRODUCTION_FLAGS) if (!config.compatibility_flags.includes(flag)) error(`compatibility_flags lacks ${flag}`);
  } else if ((config.routes ?? []).length > 0) {
    // wrangler dev rewrites each request's URL to the first route's host: local links would name production.
    warning("inherits routes (set routes = [] in this environment): wrangler dev would answer as the production host");
  }
  return findings;
}

/**
 * Production's public origin: every link the edge makes starts with it and every other host is
 * 421, so it must be set (unset, the edge answers 500 to everything), be https, and be a host the
 * routes send to the Worker when there are routes.
 */
function publicOriginFindings(where: string, origin: string | undefined, config: WranglerConfig, strict: boolean): Finding[] {
  if (!origin) {
    const message = "[vars] lacks PUBLIC_ORIGIN: the edge answers every request 500 server_misconfigured until it is set (docs/deploy.md)";
    return [{ level: strict ? "error" : "warning", where, message }];
  }
  const url = new URL(origin);
  const findings: Finding[] = [];
  if (url.protocol !== "https:") findings.push({ level: "error", where, message: `PUBLIC_ORIGIN ${origin} is not https: links would send tokens in clear` });
  const routes = (config.routes ?? []) as (string | { pattern: string })[];
  const hosts = routes.map((route) =>
    (typeof route === "string" ? route : route.pattern)
      .replace(/^https?:\/\//, "")
      .replace(/\/.*$/, "")
      .toLowerCase(),
  );
  if (hosts.length > 0 && !hosts.includes(url.hostname)) {
    findings.push({
      level: "warning",
      where,
      message: `no route names PUBLIC_ORIGIN's host ${url.hostname} (routes: ${hosts.join(", ")}): links would point where the Worker does not answer`,
    });
  }
  return findings;
}

/**
 * Values copied from the repository or the docs rather than chosen: the trust domain above all,
 * which can never change once agents hold identities under it (docs/deploy.md). A warning, and
 * with `--strict` an error.
 */
function placeholderFindings(where: string, settings: ReturnType<typeof configOf>, strict: boolean): Finding[] {
  const found: string[] = [];
  if (settings.trustDomain === PLACEHOLDER_TRUST_DOMAIN) {
    found.push(
      `TRUST_DOMAIN is still the repository's placeholder "${PLACEHOLDER_TRUST_DOMAIN}": choose your own domain now, it names every agent's identity and cannot change later (docs/deploy.md)`,
    );
  } else if (EXAMPLE_NAME.test(settings.trustDomain)) {
    found.push(`TRUST_DOMAIN "${settings.trustDomain}" is an example name: choose your own domain now, it cannot change later (docs/deploy.md)`);
  }
  const originHost = settings.publicOrigin ? new URL(settings.publicOrigin).hostname : undefined;
  if (originHost && EXAMPLE_NAME.test(originHost)) found.push(`PUBLIC_ORIGIN ${settings.publicOrigin} is an example address: put the edge's real one in`);
  if (settings.baseDomain && EXAMPLE_NAME.test(settings.baseDomain))
    found.push(`BASE_DOMAIN "${settings.baseDomain}" is an example name: put your own in, or leave it unset`);
  return found.map((message) => ({ level: strict ? "error" : "warning", where, message }));
}

/** configOf's refusal carries zod's issues as JSON in its cause: one line per issue. */
function settingsProblem(failure: unknown): string {
  const cause = String((failure as { cause?: unknown }).cause ?? failure);
  try {
    const issues = JSON.parse(cause) as { path: unknown[]; message: string }[];
    return issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
  } catch {
    return cause;
  }
}

/** Runs `wrangler deploy --dry-run` on the top level; resolves with its exit code and output. */
function dryRun(configPath: string, outdir: string): Promise<{ code: number; output: string }> {
  const args = [WRANGLER, "deploy", "--dry-run", "--outdir", outdir, "--config", configPath, "--env="];
  // Telemetry and the request.cf lookup would reach the internet; a dry run needs neither.
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { config: { type: "string", default: "wrangler.toml" }, strict: { type: "boolean", default: false } } });
  const configPath = path.resolve(ROOT, values.config);
  const { requirements, unknown } = requirementsOf(ENV_FILE);
  const findings: Finding[] = unknown.map((member) => ({
    level: "error",
    where: "workers/env.ts",
    message: `Env member ${member} is of a kind deploy-check does not know: teach scripts/deploy-check.ts`,
  }));

  const environments = Object.keys((experimental_readRawConfig({ config: configPath }).rawConfig.env ?? {}) as Record<string, unknown>);
  for (const name of [undefined, ...environments]) {
    const config = unstable_readConfig({ config: configPath, env: name }, { hideWarnings: true });
    const where = name === undefined ? "production (top level)" : `[env.${name}]`;
    findings.push(...checkEnvironment(where, config, requirements, { production: name === undefined, strict: values.strict }));
  }

  const relative = path.relative(ROOT, configPath);
  console.log(`${relative}: checked the top level and ${environments.map((e) => `[env.${e}]`).join(", ") || "no environments"} against workers/env.ts`);
  for (const finding of findings) console.log(`  ${finding.level}: ${finding.where}: ${finding.message}`);
  const errors = findings.filter((f) => f.level === "error").length;
  if (errors > 0) {
    console.log(`deploy:check failed: ${errors} error(s); the bundle was not built.`);
    return 1;
  }

  const outdir = mkdtempSync(path.join(tmpdir(), "edgevault-deploy-check-"));
  try {
    const built = await dryRun(configPath, outdir);
    if (built.code !== 0 || !existsSync(path.join(outdir, "index.js"))) {
      process.stdout.write(built.output);
      console.log(`deploy:check failed: wrangler deploy --dry-run exited ${built.code}.`);
      return 1;
    }
    const size = /Total Upload: .*/.exec(built.output)?.[0] ?? "";
    console.log(`wrangler deploy --dry-run: bundle built, nothing uploaded. ${size}`);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
  console.log(`deploy:check passed${findings.length > 0 ? ` with ${findings.length} warning(s)` : ""}.`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
