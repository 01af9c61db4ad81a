/**
 * A vault's webhooks on its page: added (the signing secret shown once) and removed after a
 * confirmation step, through the API's own actions (webhooks/webhooks.actions.ts).
 */
import { AppError } from "../../lib/app-error.ts";
import { createRouter } from "../../router.ts";
import { actionContextOf } from "../../request-context.ts";
import { addWebhook, removeWebhook, requireWebhook } from "../webhooks.actions.ts";
import { CreateWebhookBody, OneWebhookParams } from "../webhooks.contract.ts";
import { consolePost, page } from "../../console/console-route.ts";
import { html, layout } from "../../console/layout.ts";
import { frameOf } from "../../console/nav.ts";
import { FORM_BODY_LIMIT, formBodyLimit } from "../../console/page-forms.ts";
import { attempt, confirmed, confirmPage, refusalStatus, shownOnce } from "../../console/page-parts.ts";
import { showVaultRefusal, vaultOfPage } from "../../vaults/pages/vaults.handlers.ts";

export const vaultWebhooksPages = createRouter();

vaultWebhooksPages.post(
  "/vaults/:vault/webhooks",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /vaults/{vault}/webhooks", async (c, session, form) => {
    const vault = await vaultOfPage(c);
    const parsed = CreateWebhookBody.safeParse({ url: form.one("url"), events: form.all("events") });
    if (!parsed.success) return showVaultRefusal(c, session, "Give the webhook's https URL and at least one event");
    const created = await attempt(() => addWebhook(actionContextOf(c), vault.name, parsed.data));
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
  consolePost("POST /vaults/{vault}/webhooks/{id}/delete", async (c, session, form) => {
    const vault = await vaultOfPage(c);
    const params = OneWebhookParams.safeParse({ vault: vault.name, id: c.req.param("id") });
    if (!params.success) throw new AppError(400, "invalid_request", "That is not a webhook id");
    const id = params.data.id;
    if (!confirmed(form)) {
      // A foreign or vanished id is a 404 before any question is asked.
      await requireWebhook(actionContextOf(c), vault.name, id);
      return page(
        c,
        confirmPage(frameOf(session, "/vaults"), {
          title: `Remove a webhook from ${vault.name}`,
          question: html`<p>Stop delivering this vault's proposal events to the webhook <code>${id}</code>? Its signing secret is forgotten; adding it again makes a new one.</p>`,
          action: `/vaults/${vault.name}/webhooks/${id}/delete`,
          fields: {},
          button: "Remove the webhook",
          danger: true,
          cancel: { href: `/vaults/${vault.name}#webhooks`, label: "Cancel" },
        }),
      );
    }
    await removeWebhook(actionContextOf(c), vault.name, id);
    return c.redirect(`/vaults/${vault.name}?done=webhook_removed`, 303);
  }),
);
