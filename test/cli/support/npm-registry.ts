/**
 * A throwaway npm registry on 127.0.0.1 for installing the packed CLI the way a user would
 * (`npm install -g <tarball>`), without the network: it serves the packages the CLI declares and
 * everything they depend on, packed from the repository's own node_modules at the versions the
 * root package-lock.json holds. npm's cache alone cannot do this offline: it keeps the tarballs
 * `npm ci` fetched, but not the package documents (packuments) a fresh install resolves with.
 * Optional packages for other platforms (the keyring's prebuilt binaries) are listed from the
 * lockfile with their os/cpu/libc, so npm skips them as it would from the real registry.
 */
import { execFile } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { ROOT } from "./edge.ts";

const execFileAsync = promisify(execFile);

type LockEntry = {
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  libc?: string[];
};

export type LocalRegistry = {
  /** e.g. http://127.0.0.1:40123/ */
  url: string;
  /** The packages served, as name@version. */
  served: string[];
  close(): Promise<void>;
};

/** Where node would find `name` for the package at `from` (a lockfile key), as the lockfile lays it out. */
function resolveInLock(lock: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const key = `${dir ? `${dir}/` : ""}node_modules/${name}`;
    if (lock[key]) return key;
    if (!dir) return undefined;
    const parent = dir.lastIndexOf("/node_modules/");
    dir = parent === -1 ? "" : dir.slice(0, parent);
  }
}

/**
 * Serves `packages` (names, as a package.json lists them) and their dependency closure.
 * @example
 * const registry = await startLocalRegistry(["zod", "@peculiar/x509"], scratchDir);
 * // npm install --registry registry.url …
 */
export async function startLocalRegistry(packages: readonly string[], scratch: string): Promise<LocalRegistry> {
  const lock = (JSON.parse(await readFile(path.join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> }).packages;
  const closure = new Map<string, LockEntry>();
  const walk = (from: string, name: string) => {
    const key = resolveInLock(lock, from, name);
    if (key === undefined) throw new Error(`${name} (needed by ${from || "the CLI"}) is not in package-lock.json`);
    const entry = lock[key];
    if (!entry || closure.has(key)) return;
    closure.set(key, entry);
    for (const dependency of [...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.optionalDependencies ?? {})]) walk(key, dependency);
  };
  for (const name of packages) walk("", name);

  // Pack what is installed here, in one npm run; the rest are other platforms' optional binaries.
  const installed = [...closure.keys()].filter((key) => existsSync(path.join(ROOT, key)));
  const { stdout } = await execFileAsync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", scratch, ...installed.map((key) => `./${key}`)], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  const packed = JSON.parse(stdout) as { name: string; version: string; filename: string; integrity: string; shasum: string }[];

  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  const packuments = new Map<string, { name: string; "dist-tags": Record<string, string>; versions: Record<string, unknown> }>();
  const tarballs = new Map<string, string>();
  for (const [key, entry] of closure) {
    const name = key.slice(key.lastIndexOf("node_modules/") + "node_modules/".length);
    const pack = packed.find((p) => p.name === name && p.version === entry.version);
    let manifest: Record<string, unknown>;
    if (pack) {
      // The package's own manifest, as the registry would serve it.
      manifest = JSON.parse(await readFile(path.join(ROOT, key, "package.json"), "utf8")) as Record<string, unknown>;
      tarballs.set(pack.filename, path.join(scratch, pack.filename));
      manifest.dist = { tarball: `${url}-/tarballs/${pack.filename}`, integrity: pack.integrity, shasum: pack.shasum };
    } else {
      const { version, os, cpu, libc } = entry;
      manifest = { name, version, ...(os ? { os } : {}), ...(cpu ? { cpu } : {}), ...(libc ? { libc } : {}) };
      manifest.dist = { tarball: `${url}-/tarballs/not-here/${encodeURIComponent(name)}-${version}.tgz` };
    }
    const packument = packuments.get(name) ?? { name, "dist-tags": {}, versions: {} };
    packument.versions[entry.version] = manifest;
    const latest = packument["dist-tags"].latest;
    if (latest === undefined || latest.localeCompare(entry.version, undefined, { numeric: true }) < 0) packument["dist-tags"].latest = entry.version;
    packuments.set(name, packument);
  }

  server.on("request", (req, res) => {
    const requested = decodeURIComponent((req.url ?? "/").split("?")[0]?.slice(1) ?? "");
    const file = requested.startsWith("-/tarballs/") ? tarballs.get(requested.slice("-/tarballs/".length)) : undefined;
    if (file) {
      void readFile(file).then((bytes) => res.writeHead(200, { "Content-Type": "application/octet-stream" }).end(bytes));
      return;
    }
    const packument = packuments.get(requested);
    if (packument) res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(packument));
    else res.writeHead(404, { "Content-Type": "application/json" }).end('{"error":"not found"}');
  });

  return {
    url,
    served: [...closure].map(([key, entry]) => `${key.slice(key.lastIndexOf("node_modules/") + 13)}@${entry.version}`),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
