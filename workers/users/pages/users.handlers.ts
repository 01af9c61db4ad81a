/**
 * `/users`: invite a person, set a company role, remove someone — the actions of POST, PATCH and
 * DELETE /v1/users (users.actions.ts: the last owner guard included), rendered as pages.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../../app-env.ts";
import { publicOriginOf } from "../../config.ts";
import { consoleGet, consolePost, page } from "../../console/console-route.ts";
import { html, layout } from "../../console/layout.ts";
import { frameOf } from "../../console/nav.ts";
import { FORM_BODY_LIMIT, formBodyLimit } from "../../console/page-forms.ts";
import { attempt, confirmed, confirmPage, doneFlash, errorFlash, type Flash, refusalStatus, shownOnce, whenIso } from "../../console/page-parts.ts";
import type { PageSession } from "../../console/page-session.ts";
import { createRouter } from "../../router.ts";
import { actionContextOf } from "../../request-context.ts";
import { deleteUser, getUser, inviteUser, listUsers, updateUser } from "../users.actions.ts";
import { CreateUserBody, UpdateUserBody, UserParams } from "../users.contract.ts";
import { usersPage } from "./users.page.ts";

const DONE = { role: "Role changed: their sessions see it on their next request.", removed: "Removed: their sessions end now." };

async function show(
  c: Context<AppEnv>,
  session: PageSession,
  options: { flash?: Flash; status?: ContentfulStatusCode; draft?: Record<string, string | undefined> } = {},
) {
  const { users } = await listUsers(actionContextOf(c));
  return page(
    c,
    usersPage({ frame: frameOf(session, "/users"), users, selfId: session.principal.id, draft: options.draft, flash: options.flash ?? doneFlash(c, DONE) }),
    options.status,
  );
}

/** The id the path names, as the API's path parameter reads it (anything else finds no one). */
const userIdOf = (c: Context<AppEnv>) => {
  const params = UserParams.safeParse({ id: c.req.param("id") });
  return params.success ? params.data.id : "";
};

export const usersPages = createRouter();

usersPages.get(
  "/users",
  consoleGet("GET /users", (c, session) => show(c, session)),
);

usersPages.post(
  "/users",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /users", async (c, session, form) => {
    const draft = { email: form.one("email"), name: form.one("name"), role: form.one("role") };
    // POST /v1/users's own body, without a password: the console only invites.
    const parsed = CreateUserBody.safeParse({ email: draft.email, name: draft.name, role: draft.role });
    if (!parsed.success) return show(c, session, { flash: { kind: "error", text: "Enter a valid email address and a role" }, status: 400, draft });
    const invited = await attempt(() => inviteUser(actionContextOf(c), parsed.data));
    if (!invited.ok) return show(c, session, { flash: errorFlash(invited.error), status: refusalStatus(invited.error), draft });
    const { user, invite } = invited.value;
    const link = `${publicOriginOf(c.env)}/accept/${invite.token}`;
    const body = html`<p><a href="/users">← Users</a></p>
<h1>Invited ${user.email}</h1>
<p class="notice ok" role="status">Send them this link. On it they choose their password; it works once, until ${whenIso(invite.expires_at)}.</p>
${shownOnce("Invite link", link, "invite-link")}`;
    return page(c, layout(`Invited ${user.email}`, body, frameOf(session, "/users")), 201);
  }),
);

usersPages.post(
  "/users/:id/role",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /users/{id}/role", async (c, session, form) => {
    const parsed = UpdateUserBody.safeParse({ role: form.one("role") });
    if (!parsed.success || !parsed.data.role) return show(c, session, { flash: { kind: "error", text: "Choose owner or member" }, status: 400 });
    const { user } = await getUser(actionContextOf(c), userIdOf(c));
    const done = await attempt(() => updateUser(actionContextOf(c), user.id, { role: parsed.data.role }));
    if (!done.ok) return show(c, session, { flash: errorFlash(done.error), status: refusalStatus(done.error) });
    return c.redirect("/users?done=role", 303);
  }),
);

usersPages.post(
  "/users/:id/delete",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /users/{id}/delete", async (c, session, form) => {
    const { user } = await getUser(actionContextOf(c), userIdOf(c));
    if (!confirmed(form)) {
      return page(
        c,
        confirmPage(frameOf(session, "/users"), {
          title: `Remove ${user.email}`,
          question: html`<p>Remove <strong>${user.email}</strong> (${user.role})? Their sign-ins, vault grants and the vault sessions they minted end now.${
            user.id === session.principal.id ? html` <strong>That is you: you are signed out.</strong>` : ""
          }</p>`,
          action: `/users/${user.id}/delete`,
          fields: {},
          button: "Remove",
          danger: true,
          cancel: { href: "/users", label: "Cancel" },
        }),
      );
    }
    const done = await attempt(() => deleteUser(actionContextOf(c), user.id));
    if (!done.ok) return show(c, session, { flash: errorFlash(done.error), status: refusalStatus(done.error) });
    return c.redirect("/users?done=removed", 303);
  }),
);
