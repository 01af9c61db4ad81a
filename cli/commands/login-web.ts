/**
 * `edgevault login --web`, the way `gh auth login --web` works: the CLI starts a login at the
 * edge (POST /v1/cli-logins), prints the short user code and the console page where a signed-in
 * person confirms it, and polls with its device code (which never leaves this process) until the
 * edge hands over a user session of that person, or says it was denied or expired.
 */
import { hostname, platform } from "node:os";
import { CliLoginCollected, CliLoginStarted } from "../../workers/cli-logins/cli-logins.contract.ts";
import { ApiClient, isApiError } from "../edge/api-client.ts";
import { CliError } from "../cli-error.ts";
import type { CommandContext } from "../command/command.ts";

/** cli/package.json's version in a build (cli/build.js); "dev" when run from source. */
declare const EDGEVAULT_CLI_VERSION: string | undefined;
const cliVersion = () => (typeof EDGEVAULT_CLI_VERSION === "string" ? EDGEVAULT_CLI_VERSION : "dev");

/** What the page shows as asking: this CLI, its version and the machine, in visible ASCII. */
function clientName(version: string): string {
  const machine = hostname()
    .replace(/[^\x20-\x7e]/g, "?")
    .slice(0, 40);
  return `edgevault ${version} on ${machine} (${platform()})`.slice(0, 100);
}

export type WebLoginOptions = { addr: string; company?: string; sleep?: (ms: number) => Promise<void> };

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs the browser login; resolves with the session token the edge handed over (not yet saved). */
export async function webLogin(context: CommandContext, options: WebLoginOptions): Promise<string> {
  const client = new ApiClient({ addr: options.addr });
  const started = await client.call("post", "/v1/cli-logins", CliLoginStarted, {
    body: { client_name: clientName(cliVersion()), ...(options.company ? { company: options.company } : {}) },
  });
  context.err(`First copy your one-time code: ${started.user_code}`);
  context.err(`Then open ${started.verification_uri_complete} in a browser where you are signed in (or sign in there),`);
  context.err(`type ${started.user_code} there to confirm. Waiting (the code expires in ${Math.round(started.expires_in / 60)} minutes)…`);
  let interval = started.interval * 1000;
  const deadline = Date.now() + started.expires_in * 1000;
  const sleep = options.sleep ?? wait;
  while (Date.now() < deadline) {
    await sleep(interval);
    try {
      const collected = await client.call("post", "/v1/cli-logins/token", CliLoginCollected, { body: { device_code: started.device_code } });
      return collected.token;
    } catch (error) {
      if (isApiError(error, "authorization_pending")) continue;
      // RFC 8628 §3.5: after slow_down, wait five seconds more between polls.
      if (isApiError(error, "slow_down")) {
        interval += 5000;
        continue;
      }
      if (isApiError(error, "access_denied")) throw new CliError("The login was denied in the browser; nothing was saved");
      if (isApiError(error, "expired_token")) throw new CliError(`${(error as Error).message.replace(/ \(expired_token.*$/, "")}; nothing was saved`);
      throw error;
    }
  }
  throw new CliError("Nobody confirmed the code in time; nothing was saved. Run `edgevault login --web` again for a new code.");
}
