/**
 * A vault's services in the console: add one, open one, edit it, enable or disable it, delete it
 * (after a confirmation step). Input is the services API's own schema (service-form.ts); the
 * writes and their checks are the services feature's (services/service-writes.ts), the API's own.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../app-env.ts";
import { createRouter } from "../router.ts";
import { createService, deleteService, requireService, serviceNotFound, updateService } from "../services/service-writes.ts";
import { type ServiceRow, toServiceRecord } from "../services/services.queries.ts";
import type { VaultRow } from "../vaults/vaults.queries.ts";
import { consoleGet, consolePost, page } from "./console-route.ts";
import { frameOf } from "./nav.ts";
import { allows } from "./page-access.ts";
import { FORM_BODY_LIMIT, formBodyLimit } from "./page-forms.ts";
import { html } from "./layout.ts";
import { attempt, confirmed, confirmPage, doneFlash, errorFlash, type Flash, refusalStatus } from "./page-parts.ts";
import type { PageSession } from "./page-session.ts";
import { parseServiceDraft, type ServiceDraft, serviceDraftFrom, serviceDraftOf } from "./service-form.ts";
import { servicePage } from "./service.page.ts";
import { showVaultRefusal, vaultOfPath } from "./vaults.handlers.ts";

const DONE = {
  saved: "Service saved.",
  unchanged: "Nothing changed.",
  enabled: "Service enabled.",
  disabled: "Service disabled: agents are refused its host.",
};

const serviceOfPath = (c: Context<AppEnv>, vault: VaultRow) => requireService(c.var.db, vault, c.req.param("name") ?? "");

function recordOf(row: ServiceRow) {
  const record = toServiceRecord(row);
  // A stored row that no longer parses is left out of the proxy too (services.queries.ts).
  if (!record) throw serviceNotFound(row.name);
  return record;
}

async function showService(c: Context<AppEnv>, session: PageSession, options: { draft?: ServiceDraft; flash?: Flash; status?: ContentfulStatusCode } = {}) {
  const { vault, role } = await vaultOfPath(c);
  const record = recordOf(await serviceOfPath(c, vault));
  return page(
    c,
    servicePage({
      frame: frameOf(session, "/vaults"),
      vault: vault.name,
      service: record,
      mayEdit: allows(session, "POST /vaults/{vault}/services/{name}", role),
      mayDelete: allows(session, "POST /vaults/{vault}/services/{name}/delete", role),
      draft: options.draft ?? serviceDraftFrom(record),
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
    const { vault } = await vaultOfPath(c);
    const draft = serviceDraftOf(form);
    const input = parseServiceDraft(draft);
    if (!input.ok) return showVaultRefusal(c, session, input.message, 400, draft);
    const created = await attempt(() => createService(c, vault, input.value));
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
    const { vault } = await vaultOfPath(c);
    const existing = await serviceOfPath(c, vault);
    const intent = form.one("intent");
    if (intent === "enable" || intent === "disable") {
      const toggled = await attempt(() => updateService(c, vault, existing, { enabled: intent === "enable" }));
      if (!toggled.ok) return showVaultRefusal(c, session, toggled.error.message, refusalStatus(toggled.error));
      return c.redirect(`/vaults/${vault.name}/services/${existing.name}?done=${intent === "enable" ? "enabled" : "disabled"}`, 303);
    }
    const draft = serviceDraftOf(form);
    const input = parseServiceDraft(draft);
    if (!input.ok) return showService(c, session, { draft, flash: { kind: "error", text: input.message }, status: 400 });
    const { name, host, upstream, description, auth, enabled } = input.value;
    const saved = await attempt(() => updateService(c, vault, existing, { name, host, upstream, description, auth, enabled }));
    if (!saved.ok) return showService(c, session, { draft, flash: errorFlash(saved.error), status: refusalStatus(saved.error) });
    return c.redirect(`/vaults/${vault.name}/services/${saved.value.row.name}?done=${saved.value.changed.length ? "saved" : "unchanged"}`, 303);
  }),
);

vaultServicesPages.post(
  "/vaults/:vault/services/:name/delete",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /vaults/{vault}/services/{name}/delete", async (c, session, form) => {
    const { vault } = await vaultOfPath(c);
    const existing = await serviceOfPath(c, vault);
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
    const deleted = await attempt(() => deleteService(c, vault, existing));
    if (!deleted.ok) return showVaultRefusal(c, session, deleted.error.message, refusalStatus(deleted.error));
    return c.redirect(`/vaults/${vault.name}?done=service_deleted`, 303);
  }),
);
