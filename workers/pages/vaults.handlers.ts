/**
 * `/vaults` and `/vaults/<name>`: the vaults a person has a role in, one vault's page, its
 * settings and credential forms, creating a vault and deleting one (after a confirmation step,
 * through vaults/vault-writes.ts, the API's own). The vault is loaded and the person held to the page's row by
 * `authorizeVault`, as the API does: another company's vault name is 404, a vault without a role
 * 403. A credential value typed here is sealed exactly as POST /v1/credentials seals it, and
 * never travels back: the form redirects.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../app-env.ts";
import { authorizeVault } from "../auth/gate.ts";
import { SetCredentialsBody } from "../credentials/credentials.contract.ts";
import { credentialSummaries, setCredentialsChange } from "../credentials/credentials.queries.ts";
import { companyDataKey } from "../db/data-keys.ts";
import { commitChange } from "../effects.ts";
import { associatedData, sealText } from "../lib/crypto-envelope.ts";
import { credentialKeysOf } from "../lib/inject-auth.ts";
import { rateLimitFromInput, rateLimitView } from "../lib/openapi.ts";
import { createRouter } from "../router.ts";
import { listVaultServices } from "../services/services.queries.ts";
import { listVaultAgents } from "../vault-agents/vault-agents.queries.ts";
import { createVault, deleteVault } from "../vaults/vault-writes.ts";
import { CreateVaultBody, UpdateVaultBody } from "../vaults/vaults.contract.ts";
import { accessibleVaults, listVaultUsers, updateVaultChange } from "../vaults/vaults.queries.ts";
import { listVaultWebhooks } from "../webhooks/webhooks.queries.ts";
import { consoleGet, consolePost, page } from "./console-route.ts";
import { frameOf } from "./nav.ts";
import { allows } from "./page-access.ts";
import { APPROVAL_FORM_BODY_LIMIT, FORM_BODY_LIMIT, formBodyLimit } from "./page-forms.ts";
import { html } from "./layout.ts";
import { attempt, confirmed, confirmPage, doneFlash, errorFlash, type Flash, refusalStatus } from "./page-parts.ts";
import type { PageSession } from "./page-session.ts";
import type { ServiceDraft } from "./service-form.ts";
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
};
const LIST_DONE = { deleted: "Vault deleted, with everything in it." };

/** The vault the path names, the person held to the current row (its cell) in it. */
export const vaultOfPath = (c: Context<AppEnv>) => authorizeVault(c, c.req.param("vault") ?? "");

export type VaultPageOptions = {
  flash?: Flash;
  status?: ContentfulStatusCode;
  serviceDraft?: ServiceDraft;
  memberDraft?: { email?: string; role?: string };
};

/** The vault's page; forms that fail come back here with their notice (and the service form's draft). */
export async function showVault(c: Context<AppEnv>, session: PageSession, options: VaultPageOptions = {}): Promise<Response> {
  const db = c.var.db;
  const { vault, role } = await vaultOfPath(c);
  const services = await listVaultServices(db, vault.companyId, vault.id);
  // Sections as their own API operations allow, at this person's role in this vault.
  const may = (operation: string) => allows(session, operation, role);
  return page(
    c,
    vaultPage({
      frame: frameOf(session, "/vaults"),
      vault: { name: vault.name, policy: vault.unmatchedHostPolicy, rateLimit: rateLimitView(vault.rateLimit), createdAt: vault.createdAt },
      role,
      services,
      credentials: await credentialSummaries(db, vault),
      knownKeys: [...new Set(services.flatMap((s) => credentialKeysOf(s.auth)))],
      people: may("GET /v1/vaults/{vault}/users") ? await listVaultUsers(db, vault.id) : undefined,
      agents: may("GET /v1/vaults/{vault}/agents") ? await listVaultAgents(db, vault.id) : undefined,
      webhooks: may("GET /v1/vaults/{vault}/webhooks")
        ? (await listVaultWebhooks(db, vault.companyId, vault.id)).map((w) => ({ id: w.id, url: w.url, events: w.events, createdAt: w.createdAt }))
        : undefined,
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
  const listed = await accessibleVaults(c.var.db, session.principal);
  const vaults = listed.map(({ vault, role }) => ({ name: vault.name, role, policy: vault.unmatchedHostPolicy, createdAt: vault.createdAt }));
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
    // POST /v1/vaults's own body and its own write (vaults/vault-writes.ts).
    const parsed = CreateVaultBody.safeParse({ name: draft.name, unmatched_host_policy: draft.policy });
    if (!parsed.success) {
      const text = `Check the vault: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`;
      return showVaultList(c, session, { flash: { kind: "error", text }, status: 400, draft });
    }
    const created = await attempt(() => createVault(c, parsed.data));
    if (!created.ok) return showVaultList(c, session, { flash: errorFlash(created.error), status: refusalStatus(created.error), draft });
    return c.redirect(`/vaults/${created.value.name}?done=created`, 303);
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
    const { vault } = await vaultOfPath(c);
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
    const body = parsed.data;
    const changes = {
      ...(body.unmatched_host_policy ? { unmatchedHostPolicy: body.unmatched_host_policy } : {}),
      ...(body.rate_limit !== undefined ? { rateLimit: rateLimitFromInput(body.rate_limit) } : {}),
    };
    await commitChange(c, updateVaultChange(c.var.db, session.principal, vault, changes, { ...body }, Date.now()));
    return c.redirect(`/vaults/${vault.name}?done=settings`, 303);
  }),
);

vaultsPages.post(
  "/vaults/:vault/credentials",
  // A credential can be a long PEM key or JWT: the approval form's allowance.
  formBodyLimit(APPROVAL_FORM_BODY_LIMIT),
  consolePost("POST /vaults/{vault}/credentials", async (c, session, form) => {
    const { vault } = await vaultOfPath(c);
    const key = form.one("key") ?? "";
    // POST /v1/credentials's own body; the value is checked, never echoed in a message.
    const parsed = SetCredentialsBody.safeParse({ vault: vault.name, credentials: { [key]: form.one("value") ?? "" } });
    if (!parsed.success) {
      const keyProblem = !/^[A-Z][A-Z0-9_]*$/.test(key) || key.length > 128;
      return showVaultRefusal(c, session, keyProblem ? "The key must be UPPER_SNAKE_CASE, like API_TOKEN" : "Type a value (at most 64 KiB)");
    }
    const principal = session.principal;
    const db = c.var.db;
    const stored = await attempt(async () => {
      const dataKey = await companyDataKey(db, c.env, principal.companyId);
      const keys = Object.keys(parsed.data.credentials).sort();
      // Seal first, then build the statements (drizzle queries are thenables: see credentials.handlers.ts).
      const sealed = await Promise.all(
        keys.map((k) => sealText(dataKey, parsed.data.credentials[k] ?? "", associatedData.credential(principal.companyId, vault.id, k))),
      );
      await commitChange(
        c,
        setCredentialsChange(
          db,
          principal,
          vault,
          keys.map((k, i) => ({ key: k, ciphertext: sealed[i] ?? "" })),
          Date.now(),
        ),
      );
    });
    if (!stored.ok) return showVault(c, session, { flash: errorFlash(stored.error), status: refusalStatus(stored.error) });
    // Post/redirect/get: a reload never re-submits, and the typed value never travels back.
    return c.redirect(`/vaults/${vault.name}?done=credential`, 303);
  }),
);

vaultsPages.post(
  "/vaults/:vault/delete",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /vaults/{vault}/delete", async (c, session, form) => {
    const { vault } = await vaultOfPath(c);
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
    await deleteVault(c, vault);
    return c.redirect("/vaults?done=deleted", 303);
  }),
);
