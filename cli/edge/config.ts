/**
 * The saved login and choices: `$XDG_CONFIG_HOME/edgevault/config.json` (default
 * `~/.config/edgevault`), directory 0700 and file 0600 because it may hold a bearer token (when
 * the OS keychain holds it instead, the file only says so). Written to a temporary file and renamed, so a crash never
 * leaves a half-written file or one with looser permissions.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";
import { z } from "zod";
import { CallerKind } from "../../workers/sign-in/sign-in.contract.ts";
import { Addr } from "./addr.ts";
import { CliError } from "../cli-error.ts";
import { VaultName } from "../command/names.ts";

/** What the saved token is, as the edge's `GET /v1/whoami` reported it at login. */
export const TokenKind = CallerKind;
export type TokenKind = CallerKind;

export const Config = z
  .object({
    /** Absent until a login saves one; `vault use` alone does not pin an address. */
    addr: Addr.optional(),
    token: z.string().min(1).optional(),
    kind: TokenKind.optional(),
    /** Set when the token is in the OS keychain (see login-store.ts) rather than in this file. */
    token_store: z.literal("keychain").optional(),
    /** The vault chosen with `edgevault vault use`, for commands given neither --vault nor EDGEVAULT_VAULT. */
    vault: VaultName.optional(),
  })
  .strict()
  .refine((config) => config.token === undefined || config.token_store === undefined, "a token in the file and one in the keychain cannot both be saved")
  .refine(
    (config) => (config.token === undefined && config.token_store === undefined) === (config.kind === undefined),
    "token and kind must be saved together",
  );
export type Config = z.infer<typeof Config>;

type Env = Readonly<Record<string, string | undefined>>;

export function configDir(env: Env): string {
  const xdg = env.XDG_CONFIG_HOME;
  // The XDG spec says relative values are invalid and must be ignored.
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME ?? homedir(), ".config");
  return path.join(base, "edgevault");
}

export function configPath(env: Env): string {
  return path.join(configDir(env), "config.json");
}

/** The saved config, or undefined when there is none. */
export async function loadConfig(env: Env): Promise<Config | undefined> {
  const file = configPath(env);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw new CliError(`Cannot read ${file}: ${describe(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`${file} is not valid JSON; fix it, or remove it with \`edgevault logout\``);
  }
  const result = Config.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new CliError(`${file} is invalid (${issue?.path.join(".") || "file"}: ${issue?.message}); fix it, or remove it with \`edgevault logout\``);
  }
  return result.data;
}

export async function saveConfig(env: Env, config: Config): Promise<string> {
  const dir = configDir(env);
  const file = configPath(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const temporary = path.join(dir, `.config.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await writeFile(temporary, `${JSON.stringify(Config.parse(config), null, 2)}\n`, { mode: 0o600, flag: "wx" });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new CliError(`Cannot write ${file}: ${describe(error)}`);
  }
  return file;
}

/** Removes the config file entirely (used when it is unreadable). */
export async function deleteConfig(env: Env): Promise<void> {
  await rm(configPath(env), { force: true });
}

function isMissing(error: unknown): boolean {
  return error instanceof Error && "code" in error && error.code === "ENOENT";
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
