/**
 * `--methods`, `--substitute` and `--redact` of `vault service add|update` (beside `--require-approval`,
 * `--no-approval` and `--approval-timeout`, declared with them in commands/service.ts): a service's per-request
 * rules (the edge's request-rules.contract.ts) written as flags. They name methods, credential keys
 * and placeholders, never values. Checked before any request with the contract's own rules, worded
 * for the command line; the edge stays the authority.
 */
import { z } from "zod";
import { placeholderProblem } from "../workers/lib/http/substitutions.ts";
import {
  DEFAULT_SUBSTITUTION_SURFACES,
  PROXIED_METHODS,
  type ProxiedMethod,
  SUBSTITUTION_SURFACES,
  type Substitution,
  type SubstitutionSurface,
} from "../workers/services/request-rules.contract.ts";
import { CredentialKey, oneOf } from "./command/names.ts";
import { oneLine } from "./terminal-text.ts";

/** For `--help` of add and update. */
export const RULES_HELP = `Per-request rules:
  --methods GET,HEAD                  only these methods reach the upstream (any other is 403
                                      method_not_allowed); --methods any lifts the rule
  --substitute KEY:placeholder[:in]   the credential KEY goes where the request reads the
                                      placeholder, in the path, query or header surfaces (in:
                                      comma-separated, default path,query); repeat it for more.
                                      A placeholder has 4+ characters and a "__" or one of - . ~
                                      (the convention: __name__). --substitute none removes all
  --redact on|off                     replace credentials the upstream echoes back with
                                      [REDACTED:<KEY>] (on by default)
  --require-approval                  every call waits until a vault admin approves it
                                      (edgevault request approve); --no-approval turns it off
  --approval-timeout 2m               how long a held call waits for a person (1s-10m, default 2m)`;

/**
 * `--methods`: `GET,HEAD` (any case) as the edge's list, or `any` (also `all`) for no rule (null).
 *
 * @example MethodsFlag.parse("get, head") // ["GET", "HEAD"]
 */
export const MethodsFlag = z.string().transform((text, ctx): ProxiedMethod[] | null => {
  if (/^(any|all)$/i.test(text.trim())) return null;
  const methods = [
    ...new Set(
      text
        .split(",")
        .map((m) => m.trim().toUpperCase())
        .filter(Boolean),
    ),
  ];
  const unknown = methods.find((m) => !(PROXIED_METHODS as readonly string[]).includes(m));
  if (methods.length === 0 || unknown !== undefined) {
    ctx.addIssue({
      code: "custom",
      message: `must be a comma-separated list of ${oneOf(PROXIED_METHODS)}, or any${unknown ? ` ("${oneLine(unknown, 20)}" is none)` : ""}`,
    });
    return z.NEVER;
  }
  return PROXIED_METHODS.filter((m) => methods.includes(m));
});

/** `--redact`: on or off. */
export const RedactFlag = z.enum(["on", "off"], "must be on or off").transform((v) => v === "on");

/**
 * One `--substitute`: `KEY:placeholder[:surface,…]`.
 *
 * @example substitutionFlag("TW_SID:__sid__:path") // { key: "TW_SID", placeholder: "__sid__", in: ["path"] }
 */
export function substitutionFlag(text: string): { ok: true; value: Substitution } | { ok: false; message: string } {
  const [key = "", placeholder = "", surfaces, ...extra] = text.split(":");
  const where = `--substitute "${oneLine(text, 60)}"`;
  if (extra.length > 0 || placeholder === "") return { ok: false, message: `${where}: write it as KEY:placeholder[:path,query,header]` };
  const parsedKey = CredentialKey.safeParse(key);
  if (!parsedKey.success) return { ok: false, message: `${where}: the key ${parsedKey.error.issues[0]?.message ?? "is not a credential key"}` };
  const problem = placeholderProblem(placeholder);
  if (problem) return { ok: false, message: `${where}: ${problem}` };
  const named = surfaces === undefined ? [...DEFAULT_SUBSTITUTION_SURFACES] : surfaces.split(",").map((s) => s.trim());
  const unknown = named.find((s) => !(SUBSTITUTION_SURFACES as readonly string[]).includes(s));
  if (unknown !== undefined || named.length === 0) return { ok: false, message: `${where}: surfaces are ${oneOf(SUBSTITUTION_SURFACES)}, comma-separated` };
  return { ok: true, value: { key: parsedKey.data, placeholder, in: SUBSTITUTION_SURFACES.filter((s): s is SubstitutionSurface => named.includes(s)) } };
}

/** Every `--substitute` as the edge's list; `none` alone is the empty list; undefined when none was given. */
export const SubstitutionFlags = z.array(z.string()).transform((texts, ctx): Substitution[] | undefined => {
  if (texts.length === 0) return undefined;
  if (texts.length === 1 && texts[0] === "none") return [];
  const out: Substitution[] = [];
  for (const text of texts) {
    const parsed = substitutionFlag(text);
    if (!parsed.ok) {
      ctx.addIssue({ code: "custom", message: parsed.message });
      return z.NEVER;
    }
    out.push(parsed.value);
  }
  return out;
});
