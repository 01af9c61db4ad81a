/**
 * `/vaults` and `/vaults/<name>`: the vaults a person has a role in, one vault's page, its
 * settings and credential forms, creating a vault and deleting one (after a confirmation step).
 * Every read and write is the API's own action (vaults, services, credentials, vault agents,
 * webhooks), the person held to the page's row as the API holds its caller: another company's
 * vault name is 404, a vault without a role 403. A credential value typed here goes through
 * POST /v1/credentials's action, and never travels back: the form redirects.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../../app-env.ts";
import { credentialSummaries, setCredentials } from "../../credentials/credentials.actions.ts";
import { SetCredentialsBody } from "../../credentials/credentials.contract.ts";
import { createRouter } from "../../router.ts";
import { actionContextOf, asOperation } from "../../request-context.ts";
import { listReleases } from "../../requests/requests.actions.ts";
import { listServices } from "../../services/services.actions.ts";
import { listVaultAgents } from "../../vault-agents/vault-agents.actions.ts";
import { createVault, deleteVault, getVault, listVaults, listVaultUsers, updateVault } from "../vaults.actions.ts";
import { CreateVaultBody, UpdateVaultBody } from "../vaults.contract.ts";
import { listWebhooks } from "../../webhooks/webhooks.actions.ts";
import { consoleGet, consolePost, page } from "../../console/console-route.ts";
import { frameOf } from "../../console/nav.ts";
import { allows } from "../../console/page-access.ts";
import { APPROVAL_FORM_BODY_LIMIT, FORM_BODY_LIMIT, formBodyLimit } from "../../console/page-forms.ts";
import { html } from "../../console/layout.ts";
import { attempt, confirmed, confirmPage, doneFlash, errorFlash, type Flash, refusalStatus } from "../../console/page-parts.ts";
import type { PageSession } from "../../console/page-session.ts";
import type { ServiceDraft } from "../../services/pages/service-form.ts";
import { vaultListPage, vaultPage } from "./vaults.page.ts";

const DONE = {
  created: "Vault created.",
  settings: "Settings saved.",
  credential: "Credential stored. Its value is not shown again.",
  service: "Service added.",
  service_deleted: "Service deleted: agents are refused its host.",
  webhook_removed: "Webhook removed.",
  member_added: "Role given: they have it from their next request.",
  role: "Role changed: it holds from their next request.",
  member_removed: "Removed from the vault: refused from their next request.",
  release_revoked: "Time-boxed approval revoked: those calls wait for a person again.",
};
const LIST_DONE = { deleted: "Vault deleted, with everything in it." };

/** The vault the path names. */
export const vaultNameOf = (c: Context<AppEnv>) => c.req.param("vault") ?? "";

/**
 * The vault the path names, the person held to the current row (its cell) in it: a form checks
 * the vault before it reads anything else. Every write then goes through its action, which holds
 * the person to that row again.
 */
export const vaultOfPage = async (c: Context<AppEnv>) => (await getVault(actionContextOf(c), vaultNameOf(c))).vault;

export type VaultPageOptions = {
  flash?: Flash;
  status?: ContentfulStatusCode;
  serviceDraft?: ServiceDraft;
  memberDraft?: { email?: string; role?: string };
};

/** The vault's page; forms that fail come back here with their notice (and the service form's draft). */
export async function showVault(c: Context<AppEnv>, session: PageSession, options: VaultPageOptions = {}): Promise<Response> {
  const name = vaultNameOf(c);
  // Each section is what its own API operation reads, held to that operation's row.
  const ctx = actionContextOf(c);
  const as = (operation: string) => asOperation(ctx, operation);
  const { vault } = await getVault(as("GET /vaults/{vault}"), name);
  const role = vault.role;
  const may = (operation: string) => allows(session, operation, role);
  const { services } = await listServices(as("GET /v1/vaults/{vault}/services"), name);
  const webhooks = may("GET /v1/vaults/{vault}/webhooks") ? (await listWebhooks(as("GET /v1/vaults/{vault}/webhooks"), name)).webhooks : undefined;
  const releases = may("GET /v1/vaults/{vault}/request-releases")
    ? (await listReleases(as("GET /v1/vaults/{vault}/request-releases"), name)).releases
    : undefined;
  return page(
    c,
    vaultPage({
      frame: frameOf(session, "/vaults"),
      vault: { name: vault.name, policy: vault.unmatched_host_policy, rateLimit: vault.rate_limit, createdAt: Date.parse(vault.created_at) },
      role,
      services,
      credentials: await credentialSummaries(as("GET /v1/credentials"), name),
      knownKeys: [...new Set(services.flatMap((s) => s.credential_keys))],
      people: may("GET /v1/vaults/{vault}/users") ? (await listVaultUsers(as("GET /v1/vaults/{vault}/users"), name)).users : undefined,
      agents: may("GET /v1/vaults/{vault}/agents") ? (await listVaultAgents(as("GET /v1/vaults/{vault}/agents"), name)).agents : undefined,
      webhooks: webhooks?.map((w) => ({ id: w.id, url: w.url, events: w.events, createdAt: Date.parse(w.created_at) })),
      releases,
      may: {
        settings: may("POST /vaults/{vault}/settings"),
        addService: may("POST /vaults/{vault}/services"),
        editService: may("POST /vaults/{vault}/services/{name}"),
        setCredential: may("POST /vaults/{vault}/credentials"),
        webhooks: may("POST /vaults/{vault}/webhooks"),
        traffic: may("GET /vaults/{vault}/traffic"),
        addPerson: may("POST /vaults/{vault}/users"),
        movePeople: may("POST /vaults/{vault}/users/{userId}/role"),
        moveAgents: may("POST /vaults/{vault}/agents/{agent}/role"),
        deleteVault: may("POST /vaults/{vault}/delete"),
        revokeRelease: may("POST /vaults/{vault}/request-releases/{id}/revoke"),
      },
      serviceDraft: options.serviceDraft,
      memberDraft: options.memberDraft,
      flash: options.flash ?? doneFlash(c, DONE),
    }),
    options.status,
  );
}

/** Shows the vault page again with a refusal; the vault itself is re-read (and re-authorized). */
export const showVaultRefusal = (c: Context<AppEnv>, session: PageSession, text: string, status: ContentfulStatusCode = 400, serviceDraft?: ServiceDraft) =>
  showVault(c, session, { flash: { kind: "error", text }, status, serviceDraft });

/** A number field: blank is absent; anything else must be a number. */
const numberField = (text: string | undefined) => (text === undefined ? undefined : Number(text));

export const vaultsPages = createRouter();

async function showVaultList(c: Context<AppEnv>, session: PageSession, options: { flash?: Flash; status?: ContentfulStatusCode; draft?: VaultDraft } = {}) {
  const listed = await listVaults(actionContextOf(c));
  const vaults = listed.vaults.map((v) => ({ name: v.name, role: v.role, policy: v.unmatched_host_policy, createdAt: Date.parse(v.created_at) }));
  return page(
    c,
    vaultListPage({
      frame: frameOf(session, "/vaults"),
      vaults,
      mayCreate: allows(session, "POST /vaults"),
      draft: options.draft,
      flash: options.flash ?? doneFlash(c, LIST_DONE),
    }),
    options.status,
  );
}

type VaultDraft = { name?: string; policy?: string };

vaultsPages.get(
  "/vaults",
  consoleGet("GET /vaults", (c, session) => showVaultList(c, session)),
);

vaultsPages.post(
  "/vaults",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /vaults", async (c, session, form) => {
    const draft = { name: form.one("name"), policy: form.one("unmatched_host_policy") };
    // POST /v1/vaults's own body and its own action.
    const parsed = CreateVaultBody.safeParse({ name: draft.name, unmatched_host_policy: draft.policy });
    if (!parsed.success) {
      const text = `Check the vault: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`;
      return showVaultList(c, session, { flash: { kind: "error", text }, status: 400, draft });
    }
    const created = await attempt(() => createVault(actionContextOf(c), parsed.data));
    if (!created.ok) return showVaultList(c, session, { flash: errorFlash(created.error), status: refusalStatus(created.error), draft });
    return c.redirect(`/vaults/${created.value.vault.name}?done=created`, 303);
  }),
);

vaultsPages.get(
  "/vaults/:vault",
  consoleGet("GET /vaults/{vault}", (c, session) => showVault(c, session)),
);

vaultsPages.post(
  "/vaults/:vault/settings",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /vaults/{vault}/settings", async (c, session, form) => {
    const vault = await vaultOfPage(c);
    const limits = {
      rate_per_second: numberField(form.one("rate_per_second")),
      burst: numberField(form.one("burst")),
      max_concurrent: numberField(form.one("max_concurrent")),
    };
    const anyLimit = Object.values(limits).some((v) => v !== undefined);
    // PATCH /v1/vaults/{vault}'s own body: all three limits blank clears the override.
    const parsed = UpdateVaultBody.safeParse({
      unmatched_host_policy: form.one("unmatched_host_policy"),
      rate_limit: anyLimit ? Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)) : null,
    });
    if (!parsed.success) {
      return showVaultRefusal(c, session, `Check the settings: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    }
    await updateVault(actionContextOf(c), vault.name, parsed.data);
    return c.redirect(`/vaults/${vault.name}?done=settings`, 303);
  }),
);

vaultsPages.post(
  "/vaults/:vault/credentials",
  // A credential can be a long PEM key or JWT: the approval form's allowance.
  formBodyLimit(APPROVAL_FORM_BODY_LIMIT),
  consolePost("POST /vaults/{vault}/credentials", async (c, session, form) => {
    const vault = await vaultOfPage(c);
    const key = form.one("key") ?? "";
    // POST /v1/credentials's own body; the value is checked, never echoed in a message.
    const parsed = SetCredentialsBody.safeParse({ vault: vault.name, credentials: { [key]: form.one("value") ?? "" } });
    if (!parsed.success) {
      const keyProblem = !/^[A-Z][A-Z0-9_]*$/.test(key) || key.length > 128;
      return showVaultRefusal(c, session, keyProblem ? "The key must be UPPER_SNAKE_CASE, like API_TOKEN" : "Type a value (at most 64 KiB)");
    }
    // POST /v1/credentials's own action: sealed the same way, held to the same rules.
    const stored = await attempt(() => setCredentials(actionContextOf(c), vault.name, parsed.data.credentials));
    if (!stored.ok) return showVault(c, session, { flash: errorFlash(stored.error), status: refusalStatus(stored.error) });
    // Post/redirect/get: a reload never re-submits, and the typed value never travels back.
    return c.redirect(`/vaults/${vault.name}?done=credential`, 303);
  }),
);

vaultsPages.post(
  "/vaults/:vault/delete",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /vaults/{vault}/delete", async (c, session, form) => {
    const vault = await vaultOfPage(c);
    if (!confirmed(form)) {
      return page(
        c,
        confirmPage(frameOf(session, "/vaults"), {
          title: `Delete the vault ${vault.name}`,
          question: html`<p>Delete vault <code>${vault.name}</code>? Its services, credentials, grants, vault sessions and proposals are deleted with it, and every agent and person in it is refused from their next request. This cannot be undone.</p>`,
          action: `/vaults/${vault.name}/delete`,
          fields: {},
          button: "Delete the vault",
          danger: true,
          cancel: { href: `/vaults/${vault.name}`, label: "Cancel" },
        }),
      );
    }
    await deleteVault(actionContextOf(c), vault.name);
    return c.redirect("/vaults?done=deleted", 303);
  }),
);
