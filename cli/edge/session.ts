/**
 * Which edge and which token a command uses. The environment wins over the saved config so a
 * script or CI job can act without `edgevault login`: EDGEVAULT_ADDR, then EDGEVAULT_API_KEY.
 * Under EDGEVAULT_API_KEY the saved token is never read, so the keychain is not even opened.
 */
import { Addr, DEFAULT_ADDR } from "./addr.ts";
import { ApiClient } from "./api-client.ts";
import { CliError, UsageError } from "../cli-error.ts";
import type { CommandContext } from "../command/command.ts";
import { loadConfig, type Config } from "./config.ts";
import { readLoginToken, type TokenStore } from "./login-store.ts";
import { fromEnv } from "../program-env.ts";

/**
 * The edge address: `--addr`, else EDGEVAULT_ADDR (as `agent-vault`, AGENT_VAULT_ADDR after it),
 * else the saved one, else the local default.
 */
export function resolveAddr(context: CommandContext, config: Config | undefined, flag?: string): string {
  const env = fromEnv(context, "addr");
  const [value, source] = flag !== undefined ? [flag, "--addr"] : env ? [env.value, env.source] : [config?.addr ?? DEFAULT_ADDR, "the saved address"];
  const result = Addr.safeParse(value);
  if (!result.success) throw new UsageError(`${source} ${result.error.issues[0]?.message ?? "is not a valid address"}`);
  return result.data;
}

export type Session = { client: ApiClient; tokenSource: { kind: "EDGEVAULT_API_KEY" } | TokenStore; config: Config | undefined };

/** A client carrying the caller's token, or a clear error when there is none. */
export async function requireSession(context: CommandContext): Promise<Session> {
  const config = await loadConfig(context.env);
  const addr = resolveAddr(context, config);
  const fromEnv = context.env.EDGEVAULT_API_KEY;
  if (fromEnv) {
    const client = new ApiClient({ addr, token: fromEnv, unauthorizedHint: "check EDGEVAULT_API_KEY" });
    return { client, tokenSource: { kind: "EDGEVAULT_API_KEY" }, config };
  }
  const saved = await readLoginToken(context.env, config);
  if (saved) {
    const client = new ApiClient({ addr, token: saved.token, unauthorizedHint: "log in again with `edgevault login`" });
    return { client, tokenSource: saved.store, config };
  }
  throw new CliError("Not logged in: run `edgevault login` or set EDGEVAULT_API_KEY", undefined, { code: "not_logged_in" });
}
