/**
 * What an agent does with an invite printed by the CLI, through real curl: find the URL in the
 * prompt, redeem it, call the edge with the token; and the revoke hint's suffix.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** Runs curl with the given arguments, as an agent following its prompt would. */
export async function curl(args: readonly string[]): Promise<string> {
  const { stdout } = await execFileAsync("curl", ["--silent", "--show-error", "--max-time", "30", ...args]);
  return stdout;
}

/** `curl -s -X POST <invite_url>`: the agent redeeming its invite. */
export async function redeem(inviteUrl: string): Promise<{ token: string; agent: { name: string }; vaults: { vault: string; role: string }[] }> {
  const body = JSON.parse(await curl(["-X", "POST", inviteUrl])) as { token?: string; agent: { name: string }; vaults: { vault: string; role: string }[] };
  assert.ok(body.token, `no token in ${JSON.stringify(body)}`);
  return { ...body, token: body.token };
}

/** The HTTP status of `GET /v1/whoami` with this token, through curl. */
export async function whoamiStatus(addr: string, token: string): Promise<number> {
  return Number(await curl(["-o", "/dev/null", "-w", "%{http_code}", "-H", `Authorization: Bearer ${token}`, `${addr}/v1/whoami`]));
}

/** The invite URL in a printed prompt: the `curl -s -X POST <url>` line. */
export function inviteUrlIn(prompt: string): string {
  const match = /curl -s -X POST (http:\/\/\S+\/invite\/\S+)/.exec(prompt);
  assert.ok(match?.[1], `no invite URL in the prompt:\n${prompt}`);
  return match[1];
}

export const count = (text: string, part: string) => text.split(part).length - 1;

/** The suffix in "To cancel it: edgevault agent invite revoke [--] <suffix>". */
export function suffixIn(stderr: string): string {
  const suffix = /edgevault agent invite revoke (?:-- )?(\S+)/.exec(stderr)?.[1];
  assert.ok(suffix, `no revoke hint in:\n${stderr}`);
  return suffix;
}

/** Suffixes are base64url and may start with "-": always pass them after `--`. */
export const revokeArgs = (suffix: string) => ["agent", "invite", "revoke", "--", suffix];
