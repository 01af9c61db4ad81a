/**
 * `/agent-invites`: invite an agent (a confirmation step, then the paste-able prompt once) and
 * revoke pending invites. The input is POST /v1/agents/invites's own schema; the checks and the
 * writes are the invites' own actions (invites.actions.ts), as the API's are.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../../app-env.ts";
import { AppError } from "../../lib/app-error.ts";
import { consoleGet, consolePost, page } from "../../console/console-route.ts";
import { html, layout } from "../../console/layout.ts";
import { frameOf } from "../../console/nav.ts";
import { FORM_BODY_LIMIT, type FormFields, formBodyLimit } from "../../console/page-forms.ts";
import { attempt, confirmed, confirmPage, doneFlash, errorFlash, type Flash, refusalStatus, shownOnce, whenIso } from "../../console/page-parts.ts";
import type { PageSession } from "../../console/page-session.ts";
import { actionContextOf, asOperation } from "../../request-context.ts";
import { createRouter } from "../../router.ts";
import { listVaults } from "../../vaults/vaults.actions.ts";
import { checkAgentInvite, inviteAgent, pendingAgentInvites, revokeAgentInvite } from "../invites.actions.ts";
import { CreateInviteBody, InviteSuffixParams } from "../invites.contract.ts";
import { agentInvitesPage, INVITE_LIFETIMES, type InviteDraft } from "./agent-invites.page.ts";

const DONE = { revoked: "Invite revoked: its URL no longer works." };
const GRANT_FIELD = "grant_";

/** Vaults the person may grant in (member or more there, as GET /v1/vaults lists them), with the highest role they may grant. */
async function grantableVaults(c: Context<AppEnv>) {
  const { vaults } = await listVaults(asOperation(actionContextOf(c), "GET /v1/vaults"));
  return vaults.filter((v) => v.role === "member" || v.role === "admin").map((v) => ({ name: v.name, maxRole: v.role }));
}

async function show(c: Context<AppEnv>, session: PageSession, options: { flash?: Flash; draft?: InviteDraft; status?: ContentfulStatusCode } = {}) {
  // As DELETE /v1/agents/invites/{suffix}: each says whether this person may revoke it (members only their own).
  const { invites } = await pendingAgentInvites(actionContextOf(c));
  return page(
    c,
    agentInvitesPage({
      frame: frameOf(session, "/agents"),
      invites,
      vaults: await grantableVaults(c),
      mayInviteOwner: session.principal.companyRole === "owner",
      draft: options.draft,
      flash: options.flash ?? doneFlash(c, DONE),
    }),
    options.status,
  );
}

function draftOf(form: FormFields): InviteDraft {
  const grants: Record<string, string> = {};
  for (const name of form.names()) if (name.startsWith(GRANT_FIELD)) grants[name.slice(GRANT_FIELD.length)] = form.one(name) ?? "";
  const ttl = Number(form.one("ttl_seconds"));
  return { name: form.one("name"), role: form.one("role"), grants, ttl: Number.isFinite(ttl) ? ttl : undefined };
}

export const agentInvitesPages = createRouter();

agentInvitesPages.get(
  "/agent-invites",
  consoleGet("GET /agent-invites", (c, session) => show(c, session)),
);

agentInvitesPages.post(
  "/agent-invites",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /agent-invites", async (c, session, form) => {
    const draft = draftOf(form);
    const vaults = Object.entries(draft.grants)
      .filter(([, role]) => role !== "")
      .map(([vault, role]) => ({ vault, role }));
    const parsed = CreateInviteBody.safeParse({ name: draft.name, role: draft.role, vaults, ttl_seconds: draft.ttl });
    if (!parsed.success) {
      const text = `Check the form: ${parsed.error.issues.map((i) => `${i.path.join(".") || "form"}: ${i.message}`).join("; ")}`;
      return show(c, session, { flash: { kind: "error", text }, draft, status: 400 });
    }
    const body = parsed.data;
    if (!INVITE_LIFETIMES.some((t) => t.seconds === body.ttl_seconds))
      return show(c, session, { flash: { kind: "error", text: "Choose how long the invite works" }, draft, status: 400 });
    const ctx = actionContextOf(c);
    const frame = frameOf(session, "/agents");
    if (!confirmed(form)) {
      // The checks of POST /v1/agents/invites, before anything is shown as if it could happen.
      const checked = await attempt(() => checkAgentInvite(ctx, body));
      if (!checked.ok) return show(c, session, { flash: errorFlash(checked.error), draft, status: refusalStatus(checked.error) });
      const lifetime = INVITE_LIFETIMES.find((t) => t.seconds === body.ttl_seconds)?.label ?? "";
      const grantFields = Object.fromEntries(body.vaults.map((g) => [`${GRANT_FIELD}${g.vault}`, g.role]));
      return page(
        c,
        confirmPage(frame, {
          title: `Invite ${body.name}`,
          question: html`<p>Invite the agent <code>${body.name}</code> as a company <strong>${body.role}</strong>${
            body.vaults.length
              ? html`, with ${body.vaults.map((g, i) => html`${i ? ", " : ""}<strong>${g.role}</strong> in <code>${g.vault}</code>`)}`
              : html`, with no vault access yet`
          }? The invite works once, for ${lifetime}.</p>`,
          action: "/agent-invites",
          fields: { name: body.name, role: body.role, ttl_seconds: String(body.ttl_seconds), ...grantFields },
          button: "Create the invite",
          cancel: { href: "/agent-invites", label: "Cancel" },
        }),
      );
    }
    // POST /v1/agents/invites's own action: the same checks, then the invite.
    const issued = await attempt(() => inviteAgent(ctx, body));
    if (!issued.ok) return show(c, session, { flash: errorFlash(issued.error), draft, status: refusalStatus(issued.error) });
    const markup = html`<p><a href="/agent-invites">← Agent invites</a></p>
<h1>Invite for <code>${body.name}</code></h1>
<p class="notice ok" role="status">Paste this prompt into the agent's chat. The invite works once, until ${whenIso(issued.value.expires_at)}.</p>
${shownOnce("Prompt for the agent", issued.value.prompt, "prompt")}
<p class="meta">Its token ends in <code>…${issued.value.token_suffix}</code>: that is how the pending list names it.</p>`;
    return page(c, layout(`Invite ${body.name}`, markup, frame), 201);
  }),
);

agentInvitesPages.post(
  "/agent-invites/:suffix/revoke",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /agent-invites/{suffix}/revoke", async (c) => {
    const params = InviteSuffixParams.safeParse({ suffix: c.req.param("suffix") });
    if (!params.success) throw new AppError(400, "invalid_request", "That is not an invite's token suffix");
    await revokeAgentInvite(actionContextOf(c), params.data.suffix);
    return c.redirect("/agent-invites?done=revoked", 303);
  }),
);
