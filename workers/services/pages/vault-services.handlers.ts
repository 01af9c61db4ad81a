/**
 * A vault's services in the console: add one, open one, edit it, enable or disable it, delete it
 * (after a confirmation step). Input is the services API's own schema (service-form.ts); every
 * read and write is the services' own action (services/services.actions.ts), the API's own.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../../app-env.ts";
import { createRouter } from "../../router.ts";
import { actionContextOf, asOperation } from "../../request-context.ts";
import { createService, deleteService, getService, updateService } from "../services.actions.ts";
import { consoleGet, consolePost, page } from "../../console/console-route.ts";
import { frameOf } from "../../console/nav.ts";
import { allows } from "../../console/page-access.ts";
import { FORM_BODY_LIMIT, formBodyLimit } from "../../console/page-forms.ts";
import { html } from "../../console/layout.ts";
import { attempt, confirmed, confirmPage, doneFlash, errorFlash, type Flash, refusalStatus } from "../../console/page-parts.ts";
import type { PageSession } from "../../console/page-session.ts";
import { parseServiceDraft, type ServiceDraft, serviceDraftFrom, serviceDraftOf } from "./service-form.ts";
import { servicePage } from "./service.page.ts";
import { showVaultRefusal, vaultNameOf, vaultOfPage } from "../../vaults/pages/vaults.handlers.ts";

const DONE = {
  saved: "Service saved.",
  unchanged: "Nothing changed.",
  enabled: "Service enabled.",
  disabled: "Service disabled: agents are refused its host.",
};

const serviceNameOf = (c: Context<AppEnv>) => c.req.param("name") ?? "";

/** The service the path names (a stored row this edge no longer reads is not found, as for the API). */
const serviceOfPath = async (c: Context<AppEnv>) =>
  (await getService(asOperation(actionContextOf(c), "GET /vaults/{vault}/services/{name}"), vaultNameOf(c), serviceNameOf(c))).service;

async function showService(c: Context<AppEnv>, session: PageSession, options: { draft?: ServiceDraft; flash?: Flash; status?: ContentfulStatusCode } = {}) {
  const { role } = await vaultOfPage(c);
  const service = await serviceOfPath(c);
  return page(
    c,
    servicePage({
      frame: frameOf(session, "/vaults"),
      vault: vaultNameOf(c),
      service,
      mayEdit: allows(session, "POST /vaults/{vault}/services/{name}", role),
      mayDelete: allows(session, "POST /vaults/{vault}/services/{name}/delete", role),
      draft: options.draft ?? serviceDraftFrom(service),
      flash: options.flash ?? doneFlash(c, DONE),
    }),
    options.status,
  );
}

export const vaultServicesPages = createRouter();

vaultServicesPages.post(
  "/vaults/:vault/services",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /vaults/{vault}/services", async (c, session, form) => {
    const vault = await vaultOfPage(c);
    const draft = serviceDraftOf(form);
    const input = parseServiceDraft(draft);
    if (!input.ok) return showVaultRefusal(c, session, input.message, 400, draft);
    const created = await attempt(() => createService(actionContextOf(c), vault.name, input.value));
    if (!created.ok) return showVaultRefusal(c, session, created.error.message, refusalStatus(created.error), draft);
    return c.redirect(`/vaults/${vault.name}?done=service`, 303);
  }),
);

vaultServicesPages.get(
  "/vaults/:vault/services/:name",
  consoleGet("GET /vaults/{vault}/services/{name}", (c, session) => showService(c, session)),
);

vaultServicesPages.post(
  "/vaults/:vault/services/:name",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /vaults/{vault}/services/{name}", async (c, session, form) => {
    const vault = await vaultOfPage(c);
    const { name } = await serviceOfPath(c);
    const ctx = actionContextOf(c);
    const intent = form.one("intent");
    if (intent === "enable" || intent === "disable") {
      const toggled = await attempt(() => updateService(ctx, vault.name, name, { enabled: intent === "enable" }));
      if (!toggled.ok) return showVaultRefusal(c, session, toggled.error.message, refusalStatus(toggled.error));
      return c.redirect(`/vaults/${vault.name}/services/${toggled.value.service.name}?done=${intent === "enable" ? "enabled" : "disabled"}`, 303);
    }
    const draft = serviceDraftOf(form);
    const input = parseServiceDraft(draft);
    if (!input.ok) return showService(c, session, { draft, flash: { kind: "error", text: input.message }, status: 400 });
    const saved = await attempt(() => updateService(ctx, vault.name, name, input.value));
    if (!saved.ok) return showService(c, session, { draft, flash: errorFlash(saved.error), status: refusalStatus(saved.error) });
    return c.redirect(`/vaults/${vault.name}/services/${saved.value.service.name}?done=${saved.value.changed.length ? "saved" : "unchanged"}`, 303);
  }),
);

vaultServicesPages.post(
  "/vaults/:vault/services/:name/delete",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /vaults/{vault}/services/{name}/delete", async (c, session, form) => {
    const vault = await vaultOfPage(c);
    const existing = await serviceOfPath(c);
    if (!confirmed(form)) {
      const back = `/vaults/${vault.name}/services/${existing.name}`;
      return page(
        c,
        confirmPage(frameOf(session, "/vaults"), {
          title: `Delete the service ${existing.name}`,
          question: html`<p>Delete <code>${existing.name}</code> (<code>${existing.host}</code>) from vault <code>${vault.name}</code>? Agents are refused its host from their next request; the credentials it uses stay in the vault.</p>`,
          action: `${back}/delete`,
          fields: {},
          button: "Delete the service",
          danger: true,
          cancel: { href: back, label: "Cancel" },
        }),
      );
    }
    const deleted = await attempt(() => deleteService(actionContextOf(c), vault.name, existing.name));
    if (!deleted.ok) return showVaultRefusal(c, session, deleted.error.message, refusalStatus(deleted.error));
    return c.redirect(`/vaults/${vault.name}?done=service_deleted`, 303);
  }),
);
