/**
 * `admin company create`: the platform operator's first step on a new deployment (docs/deploy.md
 * step 6), without curl or hand-escaped JSON. It creates the company with the platform token
 * (`POST /v1/companies`), prints the company's first owner API key once, and with `--owner`
 * invites its first human owner with that key (`POST /v1/users`), printing the accept link where
 * they choose their own password. The platform token comes from EDGEVAULT_PLATFORM_TOKEN, stdin or
 * a hidden prompt, never from arguments, and is saved nowhere.
 */
import { z } from "zod";
import { CompanyCreated, CreateCompanyBody } from "../../workers/companies/companies.contract.ts";
import { ResourceName } from "../../workers/lib/openapi.ts";
import { MAX_EMAIL_LENGTH, UserCreated } from "../../workers/users/users.contract.ts";
import { createCommand } from "../command/command.ts";
import { ApiClient } from "../edge/api-client.ts";
import { DEFAULT_ADDR } from "../edge/addr.ts";
import { loadConfig } from "../edge/config.ts";
import { resolveAddr } from "../edge/session.ts";
import { JSON_OPTION, printJson } from "../format.ts";
import { readSecret } from "../prompt.ts";
import { acceptUrl } from "./user.ts";

export const adminCompanyCreate = createCommand({
  path: ["admin", "company", "create"],
  summary: "Create a company and its first owner on a deployment, with the platform token",
  description: `The platform operator's command (docs/deploy.md, "The first company and its owner"). Creates
the company (it starts with a vault named "default") and prints its first owner API key, once:
hand it over as you would a password. With --owner, that key also invites the company's first
human owner, and the accept link is printed: they open it and choose their own password.

The platform token (the deployment's PLATFORM_TOKEN secret) is read from EDGEVAULT_PLATFORM_TOKEN,
else from stdin, else a hidden prompt; never from arguments, and it is saved nowhere. The edge
is --addr, else EDGEVAULT_ADDR, else the saved address.`,
  positionals: [
    { name: "id", schema: ResourceName, description: "The company's id: lowercase letters, digits and hyphens (it names its hosts and SPIFFE IDs)" },
  ],
  options: {
    name: { type: "string", placeholder: "name", schema: CreateCompanyBody.shape.name, description: "The company's display name, e.g. 'Acme Inc'" },
    owner: {
      type: "string",
      placeholder: "email",
      schema: z.string().email("must be an e-mail address").max(MAX_EMAIL_LENGTH).optional(),
      description: "Also invite this person as the company's first human owner",
    },
    addr: { type: "string", placeholder: "url", description: `The edge (default: EDGEVAULT_ADDR, the saved address, or ${DEFAULT_ADDR})` },
    json: JSON_OPTION("{company, api_key, owner}", "api_key.token is the owner key; owner is {user, accept_url, expires_at} or null"),
  },
  examples: [
    "edgevault admin company create acme --name 'Acme Inc' --owner ada@acme.example --addr https://edge.example.com",
    "EDGEVAULT_PLATFORM_TOKEN=… edgevault admin company create acme --name 'Acme Inc' --json > acme.json",
  ],
  async handler(args, context) {
    const addr = resolveAddr(context, await loadConfig(context.env), args.addr);
    const platformToken = context.env.EDGEVAULT_PLATFORM_TOKEN || (await readSecret(context, "platform token"));
    const platform = new ApiClient({ addr, token: platformToken, unauthorizedHint: "that is not this deployment's PLATFORM_TOKEN" });
    const created = await platform.call("post", "/v1/companies", CompanyCreated, { body: { id: args.id, name: args.name } });
    let owner: { user: { id: string; email: string }; accept_url: string; expires_at: string } | null = null;
    if (args.owner) {
      const asOwner = new ApiClient({ addr, token: created.api_key.token });
      const invited = await asOwner.call("post", "/v1/users", UserCreated, { body: { email: args.owner, role: "owner" } });
      if (invited.invite) owner = { user: invited.user, accept_url: acceptUrl(addr, invited.invite.token), expires_at: invited.invite.expires_at };
    }
    if (args.json) {
      printJson(context, { company: created.company, api_key: created.api_key, owner });
      return;
    }
    context.out(`Company "${created.company.id}" (${created.company.name}) created, with a vault named "default".`);
    context.out(`Owner API key (shown once; hand it over as you would a password): ${created.api_key.token}`);
    if (owner) {
      context.out(`Owner ${owner.user.email} invited: they open ${owner.accept_url} to choose their password (by ${owner.expires_at}).`);
      context.out(`Then: edgevault login --addr ${addr} --email ${owner.user.email}`);
    }
  },
});
