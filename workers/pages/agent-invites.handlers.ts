/**
 * `/agent-invites`: invite an agent (a confirmation step, then the paste-able prompt once) and
 * revoke pending invites. The input is POST /v1/agents/invites's own schema; the checks and the
 * write are the API's (invites/issue-invite.ts, auth/grants.ts, invites.queries.ts).
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../app-env.ts";
import { vaultRoleOf } from "../auth/permissions.ts";
import type { VaultRole } from "../db/schema.ts";
import { commitChange } from "../effects.ts";
import { CreateInviteBody, InviteSuffixParams } from "../invites/invites.contract.ts";
import { listAgentInvites, pendingInvitesEndingWith, revokeInviteChange } from "../invites/invites.queries.ts";
import { issueAgentInvite } from "../invites/issue-invite.ts";
import { checkAgentInvite } from "../invites/agent-invite-checks.ts";
import { AppError, conflict, forbidden, notFound } from "../lib/app-error.ts";
import { createRouter } from "../router.ts";
import { listCompanyVaults } from "../vaults/vaults.queries.ts";
import { agentInvitesPage, INVITE_LIFETIMES, type InviteDraft } from "./agent-invites.page.ts";
import { consoleGet, consolePost, page } from "./console-route.ts";
import { html, layout } from "./layout.ts";
import { frameOf } from "./nav.ts";
import { FORM_BODY_LIMIT, type FormFields, formBodyLimit } from "./page-forms.ts";
import { attempt, confirmed, confirmPage, doneFlash, errorFlash, type Flash, refusalStatus, shownOnce, whenIso } from "./page-parts.ts";
import type { PageSession } from "./page-session.ts";

const DONE = { revoked: "Invite revoked: its URL no longer works." };
const GRANT_FIELD = "grant_";

/** Vaults the person may grant in (member or more there), with the highest role they may grant. */
async function grantableVaults(c: Context<AppEnv>, session: PageSession) {
  const db = c.var.db;
  const out: { name: string; maxRole: VaultRole }[] = [];
  for (const vault of await listCompanyVaults(db, session.principal.companyId)) {
    const role = await vaultRoleOf(db, session.principal, vault);
    if (role === "member" || role === "admin") out.push({ name: vault.name, maxRole: role });
  }
  return out;
}

async function show(c: Context<AppEnv>, session: PageSession, options: { flash?: Flash; draft?: InviteDraft; status?: ContentfulStatusCode } = {}) {
  const principal = session.principal;
  const now = Date.now();
  const rows = await listAgentInvites(c.var.db, principal.companyId, "pending", now);
  const invites = rows.map((r) => ({
    name: r.agentName ?? "",
    kind: r.kind,
    role: r.role ?? "member",
    vaults: (r.vaultGrants ?? []).map((g) => ({ vault: g.vault, role: g.role })),
    suffix: r.tokenSuffix,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    // As DELETE /v1/agents/invites/{suffix}: members revoke only their own.
    mayRevoke: principal.companyRole === "owner" || r.createdBy === principal.id,
  }));
  return page(
    c,
    agentInvitesPage({
      frame: frameOf(session, "/agents"),
      invites,
      vaults: await grantableVaults(c, session),
      mayInviteOwner: principal.companyRole === "owner",
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
    const principal = session.principal;
    const db = c.var.db;
    // The checks of POST /v1/agents/invites, before anything is shown as if it could happen.
    const checked = await attempt(() => checkAgentInvite(db, principal, body));
    if (!checked.ok) return show(c, session, { flash: errorFlash(checked.error), draft, status: refusalStatus(checked.error) });
    const lifetime = INVITE_LIFETIMES.find((t) => t.seconds === body.ttl_seconds)?.label ?? "";
    const frame = frameOf(session, "/agents");
    if (!confirmed(form)) {
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
    const issued = await attempt(() =>
      issueAgentInvite(c, { kind: "agent", name: body.name, role: body.role, grants: checked.value, ttlSeconds: body.ttl_seconds }),
    );
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
  consolePost("POST /agent-invites/{suffix}/revoke", async (c, session) => {
    const params = InviteSuffixParams.safeParse({ suffix: c.req.param("suffix") });
    if (!params.success) throw new AppError(400, "invalid_request", "That is not an invite's token suffix");
    const principal = session.principal;
    const db = c.var.db;
    const matches = await pendingInvitesEndingWith(db, principal.companyId, params.data.suffix, Date.now());
    const invite = matches[0];
    if (!invite) throw notFound("Pending invite with that suffix");
    if (matches.length > 1) throw conflict("ambiguous_suffix", "More than one pending invite ends with that suffix");
    if (principal.companyRole !== "owner" && invite.createdBy !== principal.id) throw forbidden("Only owners revoke invites created by others");
    await commitChange(c, revokeInviteChange(db, principal, invite, Date.now()));
    return c.redirect("/agent-invites?done=revoked", 303);
  }),
);
