import { configOf } from "../config.ts";
import { companyDataKey } from "../db/data-keys.ts";
import { commitChange } from "../effects.ts";
import { AppError, badRequest, notFound } from "../lib/app-error.ts";
import { associatedData, sealText } from "../lib/crypto-envelope.ts";
import { createRouter } from "../lib/router.ts";
import { base64url, newId, randomBytes } from "../lib/tokens.ts";
import { CreateWebhookBody, MAX_WEBHOOKS_PER_VAULT, OneWebhookParams } from "../webhooks/webhooks.contract.ts";
import { countVaultWebhooks, createWebhookChange, deleteWebhookChange, webhookExists } from "../webhooks/webhooks.queries.ts";
import { consolePost, page } from "./console-route.ts";
import { html, layout } from "./layout.ts";
import { checkWebhookUrl } from "../webhooks/webhook-url.ts";
import { frameOf } from "./nav.ts";
import { FORM_BODY_LIMIT, formBodyLimit } from "./page-forms.ts";
import { attempt, refusalStatus, shownOnce } from "./page-parts.ts";
import { showVaultRefusal, vaultOfPath } from "./vaults.handlers.ts";

export const vaultWebhooksPages = createRouter();

vaultWebhooksPages.post(
  "/vaults/:vault/webhooks",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /vaults/{vault}/webhooks", async (c, session, form) => {
    const { vault } = await vaultOfPath(c);
    const parsed = CreateWebhookBody.safeParse({ url: form.one("url"), events: form.all("events") });
    if (!parsed.success) return showVaultRefusal(c, session, "Give the webhook's https URL and at least one event");
    const principal = session.principal;
    const db = c.var.db;
    const created = await attempt(async () => {
      const url = checkWebhookUrl(parsed.data.url, configOf(c.env).allowPrivateUpstreams);
      if ((await countVaultWebhooks(db, vault.id)) >= MAX_WEBHOOKS_PER_VAULT)
        throw badRequest("too_many_webhooks", `At most ${MAX_WEBHOOKS_PER_VAULT} webhooks per vault`);
      const id = newId("whk");
      const secret = `whsec_${base64url(randomBytes(32))}`;
      const sealedSecret = await sealText(await companyDataKey(db, c.env, principal.companyId), secret, associatedData.webhookSecret(principal.companyId, id));
      const events = [...new Set(parsed.data.events)];
      await commitChange(
        c,
        createWebhookChange(db, principal, { id, companyId: principal.companyId, vaultId: vault.id, url, events, sealedSecret, createdAt: Date.now() }),
      );
      return { url, secret };
    });
    if (!created.ok) return showVaultRefusal(c, session, created.error.message, refusalStatus(created.error));
    const body = html`<p><a href="/vaults/${vault.name}">← Vault ${vault.name}</a></p>
<h1>Webhook added</h1>
<p class="notice ok" role="status">Deliveries to <code>${created.value.url}</code> are signed with this secret: check the signature before trusting one.</p>
${shownOnce("Signing secret", created.value.secret, "webhook-secret")}`;
    return page(c, layout("Webhook added", body, frameOf(session, "/vaults")), 201);
  }),
);

vaultWebhooksPages.post(
  "/vaults/:vault/webhooks/:id/delete",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /vaults/{vault}/webhooks/{id}/delete", async (c, session) => {
    const { vault } = await vaultOfPath(c);
    const params = OneWebhookParams.safeParse({ vault: vault.name, id: c.req.param("id") });
    if (!params.success) throw new AppError(400, "invalid_request", "That is not a webhook id");
    if (!(await webhookExists(c.var.db, session.principal.companyId, vault.id, params.data.id))) throw notFound("Webhook");
    await commitChange(c, deleteWebhookChange(c.var.db, session.principal, vault.id, params.data.id));
    return c.redirect(`/vaults/${vault.name}?done=webhook_removed`, 303);
  }),
);
