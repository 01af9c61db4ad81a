/**
 * `edgevault demo` and `edgevault demo propose`: the README's quick start. Against the local edge
 * of `npm start` and its echo upstream, the first makes a vault, a throwaway credential, a
 * service and an agent, and shows the credential arriving at the upstream through `/proxy` and
 * through `vault run -- curl`; the second has the agent ask for an API it has no service for and
 * waits, as an agent does, until a person approves in the browser, then makes the call.
 */
import { spawn } from "node:child_process";
import { z } from "zod";
import { MAX_WAIT_SECONDS, ProposalRaised, ProposalView } from "../../workers/proposals/proposals.contract.ts";
import { ApiClient } from "../edge/api-client.ts";
import { CliError, EXIT } from "../cli-error.ts";
import { type CommandContext, createCommand, type OptionSpec } from "../command/command.ts";
import { formatDuration, Ttl } from "../duration.ts";
import { safeText } from "../terminal-text.ts";
import {
  agentCall,
  checkUpstream,
  DEFAULT_DEMO_UPSTREAM,
  DEMO,
  demoAgentToken,
  demoOwner,
  Echo,
  ensureService,
  ensureVault,
  hasService,
  type Owner,
  receivedLines,
  removeService,
  setDemoCredential,
} from "./demo-steps.ts";

const Origin = z
  .url("must be an origin such as http://127.0.0.1:14329")
  .refine((value) => /^https?:\/\/[^/]+\/?$/.test(value), "must be an origin such as http://127.0.0.1:14329 (no path)")
  .transform((value) => value.replace(/\/$/, ""));

const UPSTREAM_OPTION = {
  type: "string",
  placeholder: "origin",
  schema: Origin.optional(),
  description: `The echo upstream the demo's services forward to (default: EDGEVAULT_DEMO_UPSTREAM, else ${DEFAULT_DEMO_UPSTREAM}, where npm start serves it)`,
} as const satisfies OptionSpec;

function upstreamOf(context: CommandContext, flag: string | undefined): string {
  if (flag !== undefined) return flag;
  const fromEnv = context.env.EDGEVAULT_DEMO_UPSTREAM;
  if (!fromEnv) return DEFAULT_DEMO_UPSTREAM;
  const parsed = Origin.safeParse(fromEnv);
  if (!parsed.success) throw new CliError(`EDGEVAULT_DEMO_UPSTREAM ${parsed.error.issues[0]?.message ?? "is not an origin"}`);
  return parsed.data;
}

/** The vault, the credential, the echo service and a token for the agent, as `demo` makes them. */
async function setUp(context: CommandContext, owner: Owner, upstream: string): Promise<string> {
  const { client } = owner;
  context.out(`Edgevault demo on ${client.addr}, as the owner key from ${owner.source}:`);
  const vault = await ensureVault(client);
  context.out(`  - vault "${DEMO.vault}" (${vault === "made" ? "made now" : "already there"})`);
  await setDemoCredential(client);
  context.out(`  - credential ${DEMO.credential}: a throwaway demo_sk_… made now and sealed in the vault; the agent never sees it`);
  await ensureService(client, { name: DEMO.service, host: DEMO.host, upstream });
  context.out(
    `  - service "${DEMO.service}": ${DEMO.host} is forwarded to ${upstream} (the echo upstream) with Authorization: Bearer {{ ${DEMO.credential} }}`,
  );
  const agent = await demoAgentToken(client);
  context.out(
    `  - agent "${DEMO.agent}" (${agent.made ? "made now" : "already there"}), proxy role in vault "${DEMO.vault}"; its fresh token stays inside this command`,
  );
  return agent.token;
}

/** `vault run -- curl …` as a person types it: this same CLI in a child, with the owner's key. */
function viaVaultRun(context: CommandContext, owner: Owner, url: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const entry = process.argv[1];
  if (!entry) return Promise.resolve({ code: 1, stdout: "", stderr: "cannot find this CLI's own entry point" });
  const args = [entry, "vault", "run", "--vault", DEMO.vault, "--", "curl", "-sS", url];
  const env = { ...context.env, EDGEVAULT_ADDR: owner.client.addr, EDGEVAULT_API_KEY: owner.token };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", (error) => resolve({ code: 1, stdout, stderr: error.message }));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

function parsedEcho(text: string): Echo | undefined {
  try {
    const parsed = Echo.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export const demo = createCommand({
  path: ["demo"],
  summary: "Try Edgevault locally: a vault, a service, a credential and an agent, and two calls with the credential injected",
  description: `Sets up a demo on the local edge (npm start) and shows a credential being injected, with
nothing from the internet:

  vault "${DEMO.vault}", credential ${DEMO.credential} (a throwaway value, new each run), service
  "${DEMO.service}" (host ${DEMO.host}, forwarded to the echo upstream npm start serves on
  ${DEFAULT_DEMO_UPSTREAM}), and agent "${DEMO.agent}" with the proxy role in the vault.

Then the agent calls GET /proxy/${DEMO.host}/hello with its own token, and
\`edgevault vault run --vault ${DEMO.vault} -- curl https://${DEMO.host}/hello\` does the same
through the local proxy; for each, what the upstream received is shown: the Authorization
header carries ${DEMO.credential} (masked by the echo upstream to its demo_sk_ prefix), never the
agent's or the session's token. Running it again reuses what is there and gives the agent a
new token.

It acts as the owner: EDGEVAULT_API_KEY or the saved login when there is one, else the dev
owner key npm start keeps in .edgevault-dev/owner-key in this directory. The second call needs
curl. Next: edgevault demo propose.`,
  options: { upstream: UPSTREAM_OPTION },
  examples: ["edgevault demo", "edgevault demo --upstream http://127.0.0.1:8080"],
  async handler(args, context) {
    const upstream = upstreamOf(context, args.upstream);
    const owner = await demoOwner(context);
    await checkUpstream(upstream);
    const agentToken = await setUp(context, owner, upstream);
    const addr = owner.client.addr;

    context.out("");
    context.out("1. The agent calls the API through the edge, with its own token:");
    context.out(`   GET ${addr}/proxy/${DEMO.host}/hello   (Authorization: Bearer <the agent's token>, X-Vault: ${DEMO.vault})`);
    const direct = await agentCall(addr, agentToken, DEMO.host, "/hello");
    if (!direct.echo) throw new CliError(`The proxied call answered HTTP ${direct.status}: ${safeText(direct.error?.message ?? "not the echo upstream")}`);
    for (const line of receivedLines(direct.echo)) context.out(line);

    const url = `https://${DEMO.host}/hello?via=vault-run`;
    context.out("");
    context.out("2. Any program, through the local proxy that vault run starts for it:");
    context.out(`   edgevault vault run --vault ${DEMO.vault} -- curl -sS ${url}`);
    const run = await viaVaultRun(context, owner, url);
    const echo = parsedEcho(run.stdout);
    if (echo) for (const line of receivedLines(echo)) context.out(line);
    else if (run.code === 127) context.out("   (skipped: curl is not installed; apt-get install curl)");
    else throw new CliError(`vault run -- curl exited ${run.code}: ${safeText(`${run.stdout}${run.stderr}`.trim().slice(-600))}`);

    context.out("");
    context.out("Your turn:");
    context.out(`  npx edgevault vault run --vault ${DEMO.vault} -- curl -s https://${DEMO.host}/anything`);
    context.out("  npx edgevault demo propose     # the agent asks for an API it cannot reach yet; you approve it in the browser");
  },
});

const MAX_PROPOSE_WAIT_SECONDS = 24 * 3600;

export const demoPropose = createCommand({
  path: ["demo", "propose"],
  summary: "The demo agent asks for an API it has no service for; approve it in the browser, and its call goes through",
  description: `The second half of the demo (run edgevault demo first). The demo agent calls
${DEMO.askedHost}, which its vault has no service for: the edge refuses with a proposal_hint. So
it raises a proposal for a service "${DEMO.askedService}" (forwarded to the echo upstream, with
the ${DEMO.credential} it already has) and waits for a person's decision, as agents do
(GET /v1/proposals/{id}?wait=60). Open the approval_url it prints, sign in as an owner (npm
start's owner@demo.localhost, password in .edgevault-dev/owner-password) and approve: within a
second the agent's call goes through and what the upstream received is shown.

A service "${DEMO.askedService}" left by an earlier run is removed first, so the agent asks
again. Exits ${EXIT.rejected} if the proposal is rejected, ${EXIT.expired} if it expires, ${EXIT.timedOut} if it is still pending at --timeout.`,
  options: {
    upstream: UPSTREAM_OPTION,
    timeout: {
      type: "string",
      placeholder: "duration",
      schema: Ttl(1, MAX_PROPOSE_WAIT_SECONDS),
      default: "15m",
      description: "How long to wait for the decision, e.g. 15m",
    },
  },
  examples: ["edgevault demo propose", "edgevault demo propose --timeout 1h"],
  async handler(args, context) {
    const upstream = upstreamOf(context, args.upstream);
    const owner = await demoOwner(context);
    const { client } = owner;
    if (!(await hasService(client, DEMO.service))) throw new CliError("The demo is not set up on this edge yet: run `edgevault demo` first.");
    await checkUpstream(upstream);
    if (await removeService(client, DEMO.askedService))
      context.err(`(removed the service "${DEMO.askedService}" an earlier run approved, so the agent has to ask again)`);
    const agentToken = (await demoAgentToken(client)).token;
    const addr = client.addr;

    context.out(`1. The agent calls ${DEMO.askedHost}, which vault "${DEMO.vault}" has no service for:`);
    const refused = await agentCall(addr, agentToken, DEMO.askedHost, "/v1/invoices");
    context.out(`   HTTP ${refused.status} ${refused.error?.error ?? ""}: ${safeText(refused.error?.message ?? "")}`);

    const agent = new ApiClient({ addr, token: agentToken });
    const headers = { "X-Vault": DEMO.vault };
    const raised = await agent.call("post", "/v1/proposals", ProposalRaised, {
      headers,
      body: {
        services: [{ name: DEMO.askedService, host: DEMO.askedHost, upstream, auth: { type: "bearer", token: DEMO.credential } }],
        message: `I need ${DEMO.askedHost} to list this month's invoices (edgevault demo).`,
      },
    });
    context.out("");
    context.out(`2. So it raises a proposal (${raised.id}) and waits. Open this link, sign in as an owner, and approve:`);
    context.out("");
    context.out(`   ${raised.approval_url}`);
    context.out("");
    context.out("   (npm start's owner is owner@demo.localhost; its password is in .edgevault-dev/owner-password)");

    const decided = await waitForDecision(context, agent, raised.id, args.timeout, headers);
    if (decided.status === "rejected") {
      context.out(`3. Rejected${decided.review_note ? `: ${safeText(decided.review_note)}` : ""}. The agent stays without ${DEMO.askedHost}.`);
      return EXIT.rejected;
    }
    if (decided.status === "expired") {
      context.out("3. The proposal expired before anyone decided.");
      return EXIT.expired;
    }
    if (decided.status === "pending") {
      context.out(`3. Still pending after ${formatDuration(args.timeout)}; decide it at the link above, then run this again.`);
      return EXIT.timedOut;
    }
    context.out("");
    context.out(`3. Approved and applied. The agent retries GET ${addr}/proxy/${DEMO.askedHost}/v1/invoices:`);
    const retried = await agentCall(addr, agentToken, DEMO.askedHost, "/v1/invoices");
    if (!retried.echo) throw new CliError(`The retried call answered HTTP ${retried.status}: ${safeText(retried.error?.message ?? "not the echo upstream")}`);
    for (const line of receivedLines(retried.echo)) context.out(line);
    return EXIT.ok;
  },
});

/** Long-polls the proposal as its agent does, until it leaves pending or the timeout runs out. */
async function waitForDecision(context: CommandContext, agent: ApiClient, id: string, timeoutSeconds: number, headers: Record<string, string>) {
  const deadline = Date.now() + timeoutSeconds * 1000;
  context.err(`   waiting for the decision (up to ${formatDuration(timeoutSeconds)})…`);
  for (;;) {
    const wait = Math.max(0, Math.min(MAX_WAIT_SECONDS, Math.ceil((deadline - Date.now()) / 1000)));
    const proposal = await agent.call("get", "/v1/proposals/{id}", ProposalView, {
      params: { id },
      query: { wait },
      headers,
      timeoutMs: (wait + 30) * 1000,
    });
    if (proposal.status !== "pending" || Date.now() >= deadline) return proposal;
  }
}
