/**
 * Credential values an approver supplies for a proposal's slots. Like every secret the CLI
 * takes, they come from a hidden prompt (one per slot) on a terminal, or from stdin when it is
 * piped: one `KEY=value` per line, or the bare value when exactly one slot needs one. Never from
 * argv. Errors name keys and line numbers, never what was on the line: it may be a secret.
 */
import { MAX_CREDENTIAL_VALUE_BYTES } from "../workers/credentials/credentials.contract.ts";
import { CliError } from "./cli-error.ts";
import { CredentialKey } from "./command/names.ts";
import { readSecret, type SecretInput } from "./prompt.ts";

export type SlotToFill = { key: string; describe?: string };

/**
 * Reads a value for each key. `announce` is called with each slot's description before its
 * prompt (terminal only), so the approver sees what to paste.
 * @example
 * const values = await readSlotValues(context, [{ key: "STRIPE_KEY" }]); // `echo "$KEY" | … proposal approve prp_…`
 */
export async function readSlotValues(io: SecretInput, slots: readonly SlotToFill[], announce: (line: string) => void): Promise<Record<string, string>> {
  if (slots.length === 0) return {};
  const values: Record<string, string> = {};
  if (io.stdin.isTTY) {
    for (const slot of slots) {
      if (slot.describe) announce(slot.describe);
      values[slot.key] = await readSecret(io, `value for ${slot.key}`);
    }
  } else {
    const keys = slots.map((s) => s.key);
    Object.assign(values, parseSlotValues(await readSecret(io, `value${keys.length === 1 ? "" : "s"} for ${keys.join(", ")}`), keys));
  }
  for (const [key, value] of Object.entries(values)) {
    if (Buffer.byteLength(value, "utf8") > MAX_CREDENTIAL_VALUE_BYTES)
      throw new CliError(`The value for ${key} is larger than ${MAX_CREDENTIAL_VALUE_BYTES} bytes, the edge's limit`);
  }
  return values;
}

/**
 * Piped input as values for `keys`: `KEY=value` lines (blank lines and `#` comments skipped),
 * or, for a single key, the whole input as its value unless it is exactly one `KEY=…` line.
 * @example
 * parseSlotValues("A=1\nB=x=y\n", ["A", "B"]) // { A: "1", B: "x=y" }
 * parseSlotValues("sk_live_123", ["STRIPE_KEY"]) // { STRIPE_KEY: "sk_live_123" }
 */
export function parseSlotValues(text: string, keys: readonly string[]): Record<string, string> {
  const [only] = keys;
  if (keys.length === 1 && only !== undefined) {
    const single = !/[\r\n]/.test(text) && text.startsWith(`${only}=`);
    return { [only]: single ? text.slice(only.length + 1) : text };
  }
  const values: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    const where = `stdin line ${index + 1}`;
    const equals = line.indexOf("=");
    const key = equals === -1 ? undefined : line.slice(0, equals).trim();
    if (key === undefined || !CredentialKey.safeParse(key).success)
      throw new CliError(`${where} is not KEY=value (one line per slot: ${keys.map((k) => `${k}=…`).join(", ")})`);
    if (!keys.includes(key)) throw new CliError(`${where}: ${key} is not a slot that needs a value here (they are ${keys.join(", ")})`);
    if (key in values) throw new CliError(`${where}: ${key} is given twice`);
    const value = line.slice(equals + 1);
    if (value.length === 0) throw new CliError(`${where}: the value for ${key} is empty`);
    values[key] = value;
  });
  const missing = keys.filter((key) => !(key in values));
  if (missing.length > 0) throw new CliError(`No value on stdin for ${missing.join(", ")}: pipe one KEY=value line per slot`);
  return values;
}
