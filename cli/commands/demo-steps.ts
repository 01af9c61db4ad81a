/**
 * What `edgevault demo` does, step by step, each through the edge's own API as a person would:
 * the demo vault, its throwaway credential, a service for the echo upstream that `npm start`
 * serves, the demo agent and a fresh token for it, and the agent's calls. Every step can run
 * again: what exists is reused or brought back to the demo's shape, so the demo repeats.
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { AgentDetails } from "../../workers/agents/agents.contract.ts";
import { CredentialsSet } from "../../workers/credentials/credentials.contract.ts";
import { RedeemedInvite, IssuedInvite, RotationInvite } from "../../workers/invites/invites.contract.ts";
import { OneService, ServiceDeleted } from "../../workers/services/services.contract.ts";
import { VaultAgentGranted } from "../../workers/vault-agents/vault-agents.contract.ts";
import { OneVault } from "../../workers/vaults/vaults.contract.ts";
import { ApiClient, isApiError } from "../edge/api-client.ts";
import { CliError } from "../cli-error.ts";
import type { CommandContext } from "../command/command.ts";
import { loadConfig } from "../edge/config.ts";
import { readLoginToken } from "../edge/login-store.ts";
import { requireSession, resolveAddr } from "../edge/session.ts";

/** The names the demo uses, the same on every run. */
export const DEMO = {
  vault: "demo",
  service: "demo-echo",
  host: "echo.demo.test",
  credential: "DEMO_API_KEY",
  agent: "demo-agent",
  /** What the agent asks for in `demo propose`: a second API the vault has no service for yet. */
  askedService: "demo-billing",
  askedHost: "billing.demo.test",
} as const;

/** Where `npm start` serves the echo upstream (scripts/demo-upstream.js). */
export const DEFAULT_DEMO_UPSTREAM = "http://127.0.0.1:14329";
/** `npm start` keeps the dev owner key here, relative to the repository it ran in. */
export const DEV_OWNER_KEY_FILE = path.join(".edgevault-dev", "owner-key");

/** What the echo upstream answers: what it received, credentials masked (scripts/demo-upstream.js). */
export const Echo = z.object({ upstream: z.literal("edgevault demo echo"), method: z.string(), path: z.string(), headers: z.record(z.string(), z.string()) });
export type Echo = z.output<typeof Echo>;

export type Owner = { client: ApiClient; token: string; source: string };

/**
 * The caller who sets the demo up: EDGEVAULT_API_KEY or the saved login as for every command,
 * else the dev owner key `npm start` wrote in this directory, so the demo needs nothing set.
 */
export async function demoOwner(context: CommandContext): Promise<Owner> {
  const config = await loadConfig(context.env);
  const saved = context.env.EDGEVAULT_API_KEY ? undefined : await readLoginToken(context.env, config);
  if (context.env.EDGEVAULT_API_KEY || saved) {
    const { client, tokenSource } = await requireSession(context);
    const token = context.env.EDGEVAULT_API_KEY ?? saved?.token ?? "";
    return { client, token, source: tokenSource.kind === "EDGEVAULT_API_KEY" ? "EDGEVAULT_API_KEY" : "your saved login" };
  }
  const file = path.resolve(DEV_OWNER_KEY_FILE);
  const token = await readFile(file, "utf8").then(
    (text) => text.trim(),
    () => "",
  );
  if (!token)
    throw new CliError(
      `Not logged in, and there is no ${DEV_OWNER_KEY_FILE} here. Run this in the repository where \`npm start\` runs (it writes that file), or set EDGEVAULT_API_KEY to an owner's key, or \`edgevault login\`.`,
    );
  const addr = resolveAddr(context, config);
  return {
    client: new ApiClient({ addr, token, unauthorizedHint: `${DEV_OWNER_KEY_FILE} is not a key of the edge at ${addr}` }),
    token,
    source: DEV_OWNER_KEY_FILE,
  };
}

/** The echo upstream must answer before anything points at it; otherwise say how to start it. */
export async function checkUpstream(origin: string): Promise<void> {
  const answer = await fetch(`${origin}/`, { signal: AbortSignal.timeout(5_000) }).then(
    async (response) => Echo.safeParse(await response.json().catch(() => undefined)).success,
    () => false,
  );
  if (!answer)
    throw new CliError(
      `Nothing answers as the demo's echo upstream at ${origin}. \`npm start\` serves it on ${DEFAULT_DEMO_UPSTREAM} (see its startup lines); or pass --upstream with the origin of any HTTP server on this machine.`,
    );
}

/** The demo vault, made on the first run. */
export async function ensureVault(client: ApiClient): Promise<"made" | "kept"> {
  try {
    await client.call("get", "/v1/vaults/{vault}", OneVault, { params: { vault: DEMO.vault } });
    return "kept";
  } catch (error) {
    if (!isApiError(error, "not_found")) throw error;
  }
  await client.call("post", "/v1/vaults", OneVault, { body: { name: DEMO.vault } });
  return "made";
}

/** A fresh throwaway credential each run: recognisable by its `demo_sk_` prefix, random after it. */
export async function setDemoCredential(client: ApiClient): Promise<void> {
  const value = `demo_sk_${randomBytes(24).toString("base64url")}`;
  await client.call("post", "/v1/credentials", CredentialsSet, { body: { vault: DEMO.vault, credentials: { [DEMO.credential]: value } } });
}

/** A service of the demo vault with this shape, made or brought back to it. */
export async function ensureService(client: ApiClient, service: { name: string; host: string; upstream: string }): Promise<void> {
  const shape = { host: service.host, upstream: service.upstream, auth: { type: "bearer" as const, token: DEMO.credential }, enabled: true };
  try {
    await client.call("patch", "/v1/vaults/{vault}/services/{name}", OneService, { params: { vault: DEMO.vault, name: service.name }, body: shape });
    return;
  } catch (error) {
    if (!isApiError(error, "service_not_found")) throw error;
  }
  await client.call("post", "/v1/vaults/{vault}/services", OneService, { params: { vault: DEMO.vault }, body: { name: service.name, ...shape } });
}

/** Removes a service of the demo vault; true when there was one. */
export async function removeService(client: ApiClient, name: string): Promise<boolean> {
  try {
    await client.call("delete", "/v1/vaults/{vault}/services/{name}", ServiceDeleted, { params: { vault: DEMO.vault, name } });
    return true;
  } catch (error) {
    if (isApiError(error, "service_not_found")) return false;
    throw error;
  }
}

/** Whether the demo vault has this service. */
export async function hasService(client: ApiClient, name: string): Promise<boolean> {
  try {
    await client.call("get", "/v1/vaults/{vault}/services/{name}", OneService, { params: { vault: DEMO.vault, name } });
    return true;
  } catch (error) {
    if (isApiError(error, "service_not_found")) return false;
    throw error;
  }
}

/**
 * A token for the demo agent, redeemed from an invite the way an agent redeems one: a new agent
 * on the first run, a rotation after (the previous token stops working). The token stays in this
 * process; it is never printed.
 */
export async function demoAgentToken(client: ApiClient): Promise<{ token: string; made: boolean }> {
  let existing = true;
  try {
    const agent = await client.call("get", "/v1/agents/{agentId}", AgentDetails, { params: { agentId: DEMO.agent } });
    if (agent.status !== "active")
      throw new CliError(
        `The agent "${DEMO.agent}" is ${agent.status}; enable it (edgevault agent enable ${DEMO.agent}) or delete it, then run the demo again.`,
      );
  } catch (error) {
    if (!isApiError(error, "not_found")) throw error;
    existing = false;
  }
  let inviteUrl: string;
  if (existing) {
    // Its role in the demo vault may have been changed or removed since the last run.
    await client.call("post", "/v1/vaults/{vault}/agents", VaultAgentGranted, { params: { vault: DEMO.vault }, body: { agent: DEMO.agent, role: "proxy" } });
    inviteUrl = (await client.call("post", "/v1/agents/{agentId}/rotate", RotationInvite, { params: { agentId: DEMO.agent } })).invite_url;
  } else {
    const invite = await client.call("post", "/v1/agents/invites", IssuedInvite, {
      body: { name: DEMO.agent, vaults: [{ vault: DEMO.vault, role: "proxy" }] },
    });
    inviteUrl = invite.invite_url;
  }
  const inviteToken = new URL(inviteUrl).pathname.split("/").pop() ?? "";
  const redeemed = await new ApiClient({ addr: client.addr }).call("post", "/invite/{token}", RedeemedInvite, { params: { token: inviteToken } });
  return { token: redeemed.token, made: !existing };
}

export type ProxiedCall = { status: number; echo?: Echo; error?: { error: string; message: string } };

const EdgeRefusal = z.object({ error: z.string(), message: z.string() });

/**
 * The agent's own call through `/proxy/<host>/<path>` with its token: not an API operation of the
 * CLI but the agent's request, so a plain fetch, as any agent's HTTP client would send it.
 */
export async function agentCall(addr: string, agentToken: string, host: string, urlPath: string): Promise<ProxiedCall> {
  const response = await fetch(`${addr}/proxy/${host}${urlPath}`, {
    headers: { Authorization: `Bearer ${agentToken}`, "X-Vault": DEMO.vault },
    redirect: "manual",
    signal: AbortSignal.timeout(30_000),
  });
  const body: unknown = await response.json().catch(() => undefined);
  const echo = Echo.safeParse(body);
  const refusal = EdgeRefusal.safeParse(body);
  return { status: response.status, ...(echo.success ? { echo: echo.data } : {}), ...(refusal.success ? { error: refusal.data } : {}) };
}

/** The lines that show what the upstream received: the request line and the injected credential. */
export function receivedLines(echo: Echo): string[] {
  const auth = echo.headers.authorization;
  return [
    `   the upstream received  ${echo.method} ${echo.path}`,
    auth
      ? `                          authorization: ${auth}   <- ${DEMO.credential}, injected by the edge`
      : "                          no authorization header: the credential was not injected",
  ];
}
