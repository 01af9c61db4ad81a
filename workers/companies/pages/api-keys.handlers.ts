/**
 * `/api-keys`: the actions of POST, GET and DELETE /v1/api-keys for owners (companies.actions.ts).
 * A new key's token is rendered once, in the answer to the form that made it; the list shows only
 * each token's public prefix.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../../app-env.ts";
import { consoleGet, consolePost, page } from "../../console/console-route.ts";
import { html, layout } from "../../console/layout.ts";
import { frameOf } from "../../console/nav.ts";
import { FORM_BODY_LIMIT, formBodyLimit } from "../../console/page-forms.ts";
import { attempt, confirmed, confirmPage, doneFlash, errorFlash, type Flash, refusalStatus, shownOnce } from "../../console/page-parts.ts";
import type { PageSession } from "../../console/page-session.ts";
import { createRouter } from "../../router.ts";
import { actionContextOf } from "../../request-context.ts";
import { createApiKey, getApiKey, listApiKeys, revokeApiKey } from "../companies.actions.ts";
import { ApiKeyParams, CreateApiKeyBody } from "../companies.contract.ts";
import { apiKeysPage } from "./api-keys.page.ts";

const DONE = { revoked: "Key revoked: it and the vault sessions minted with it stop working now." };

async function show(c: Context<AppEnv>, session: PageSession, flash?: Flash, status?: ContentfulStatusCode) {
  const { api_keys: keys } = await listApiKeys(actionContextOf(c));
  return page(c, apiKeysPage({ frame: frameOf(session, "/api-keys"), keys, flash: flash ?? doneFlash(c, DONE) }), status);
}

/** The unrevoked key the path names (anything else is not found). */
async function keyOfPath(c: Context<AppEnv>) {
  const params = ApiKeyParams.safeParse({ id: c.req.param("id") });
  return getApiKey(actionContextOf(c), params.success ? params.data.id : "");
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
    const key = await createApiKey(actionContextOf(c), parsed.data);
    const body = html`<p><a href="/api-keys">← API keys</a></p>
<h1>Key “${key.label}” created</h1>
<p class="notice ok" role="status">Use it as <code>Authorization: Bearer &lt;key&gt;</code>. It acts as a company owner.</p>
${shownOnce("The key", key.token, "api-key")}`;
    return page(c, layout("API key created", body, frameOf(session, "/api-keys")), 201);
  }),
);

apiKeysPages.post(
  "/api-keys/:id/revoke",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /api-keys/{id}/revoke", async (c, session, form) => {
    const key = await keyOfPath(c);
    if (!confirmed(form)) {
      return page(
        c,
        confirmPage(frameOf(session, "/api-keys"), {
          title: `Revoke “${key.label}”`,
          question: html`<p>Revoke the key <strong>${key.label}</strong>? Anything using it is refused from the next request on, with the vault sessions it minted.</p>`,
          action: `/api-keys/${key.id}/revoke`,
          fields: {},
          button: "Revoke the key",
          danger: true,
          cancel: { href: "/api-keys", label: "Cancel" },
        }),
      );
    }
    const done = await attempt(() => revokeApiKey(actionContextOf(c), key.id));
    if (!done.ok) return show(c, session, errorFlash(done.error), refusalStatus(done.error));
    return c.redirect("/api-keys?done=revoked", 303);
  }),
);
