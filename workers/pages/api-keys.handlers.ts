/**
 * `/api-keys`: POST, GET and DELETE /v1/api-keys for owners, through the companies' own
 * changes. A new key's token is rendered once, in the answer to the form that made it; the list
 * shows only each token's public prefix.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../app-env.ts";
import { minterFor } from "../auth/token-signer.ts";
import { ApiKeyParams, CreateApiKeyBody } from "../companies/companies.contract.ts";
import { activeApiKeyExists, apiKeyView, createApiKeyChange, listActiveApiKeys, newApiKey } from "../companies/companies.queries.ts";
import { revokeApiKey } from "../companies/api-key-revocation.ts";
import { commitChange } from "../effects.ts";
import { notFound } from "../lib/app-error.ts";
import { createRouter } from "../router.ts";
import { apiKeysPage } from "./api-keys.page.ts";
import { consoleGet, consolePost, page } from "./console-route.ts";
import { html, layout } from "./layout.ts";
import { frameOf } from "./nav.ts";
import { FORM_BODY_LIMIT, formBodyLimit } from "./page-forms.ts";
import { attempt, confirmed, confirmPage, doneFlash, errorFlash, type Flash, refusalStatus, shownOnce } from "./page-parts.ts";
import type { PageSession } from "./page-session.ts";

const DONE = { revoked: "Key revoked: it and the vault sessions minted with it stop working now." };

async function show(c: Context<AppEnv>, session: PageSession, flash?: Flash, status?: ContentfulStatusCode) {
  const keys = (await listActiveApiKeys(c.var.db, session.principal.companyId)).map(apiKeyView);
  return page(c, apiKeysPage({ frame: frameOf(session, "/api-keys"), keys, flash: flash ?? doneFlash(c, DONE) }), status);
}

async function keyOfPath(c: Context<AppEnv>, session: PageSession): Promise<string> {
  const params = ApiKeyParams.safeParse({ id: c.req.param("id") });
  if (!params.success || !(await activeApiKeyExists(c.var.db, session.principal.companyId, params.data.id))) throw notFound("API key");
  return params.data.id;
}

export const apiKeysPages = createRouter();

apiKeysPages.get(
  "/api-keys",
  consoleGet("GET /api-keys", (c, session) => show(c, session)),
);

apiKeysPages.post(
  "/api-keys",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /api-keys", async (c, session, form) => {
    const parsed = CreateApiKeyBody.safeParse({ label: form.one("label")?.trim() });
    if (!parsed.success) return show(c, session, { kind: "error", text: "Give the key a label of at most 100 characters" }, 400);
    const db = c.var.db;
    const key = await newApiKey(db, minterFor(c.env), session.principal.companyId, parsed.data.label, session.principal.id);
    await commitChange(c, createApiKeyChange(db, session.principal, key));
    const body = html`<p><a href="/api-keys">← API keys</a></p>
<h1>Key “${key.view.label}” created</h1>
<p class="notice ok" role="status">Use it as <code>Authorization: Bearer &lt;key&gt;</code>. It acts as a company owner.</p>
${shownOnce("The key", key.view.token, "api-key")}`;
    return page(c, layout("API key created", body, frameOf(session, "/api-keys")), 201);
  }),
);

apiKeysPages.post(
  "/api-keys/:id/revoke",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /api-keys/{id}/revoke", async (c, session, form) => {
    const id = await keyOfPath(c, session);
    if (!confirmed(form)) {
      const label = (await listActiveApiKeys(c.var.db, session.principal.companyId)).find((k) => k.id === id)?.label ?? id;
      return page(
        c,
        confirmPage(frameOf(session, "/api-keys"), {
          title: `Revoke “${label}”`,
          question: html`<p>Revoke the key <strong>${label}</strong>? Anything using it is refused from the next request on, with the vault sessions it minted.</p>`,
          action: `/api-keys/${id}/revoke`,
          fields: {},
          button: "Revoke the key",
          danger: true,
          cancel: { href: "/api-keys", label: "Cancel" },
        }),
      );
    }
    const done = await attempt(() => revokeApiKey(c, session.principal, id));
    if (!done.ok) return show(c, session, errorFlash(done.error), refusalStatus(done.error));
    return c.redirect("/api-keys?done=revoked", 303);
  }),
);
