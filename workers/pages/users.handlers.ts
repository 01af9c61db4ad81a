/**
 * `/users`: invite a person, set a company role, remove someone — POST, PATCH and DELETE
 * /v1/users through the users' own changes (the last owner guard included) and `commitChange`.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../app-env.ts";
import { minterFor } from "../auth/token-signer.ts";
import { isGuardFailure } from "../db/audit.ts";
import { commitChange } from "../effects.ts";
import { publicOriginOf } from "../config.ts";
import { conflict, notFound } from "../lib/app-error.ts";
import { createRouter } from "../router.ts";
import { newId, tokenSuffix } from "../lib/tokens.ts";
import { CreateUserBody, UpdateUserBody, UserParams } from "../users/users.contract.ts";
import {
  createUserChange,
  deleteUserChange,
  findUserByEmail,
  findUserInCompany,
  listUsers,
  USER_INVITE_TTL_MS,
  type UserRow,
  updateUserChange,
  userView,
} from "../users/users.queries.ts";
import { consoleGet, consolePost, page } from "./console-route.ts";
import { html, layout } from "./layout.ts";
import { frameOf } from "./nav.ts";
import { FORM_BODY_LIMIT, formBodyLimit } from "./page-forms.ts";
import { attempt, confirmed, confirmPage, doneFlash, errorFlash, type Flash, refusalStatus, shownOnce, when } from "./page-parts.ts";
import type { PageSession } from "./page-session.ts";
import { usersPage } from "./users.page.ts";

const DONE = { role: "Role changed: their sessions see it on their next request.", removed: "Removed: their sessions end now." };

async function show(
  c: Context<AppEnv>,
  session: PageSession,
  options: { flash?: Flash; status?: ContentfulStatusCode; draft?: Record<string, string | undefined> } = {},
) {
  const users = (await listUsers(c.var.db, session.principal.companyId)).map(userView);
  return page(
    c,
    usersPage({ frame: frameOf(session, "/users"), users, selfId: session.principal.id, draft: options.draft, flash: options.flash ?? doneFlash(c, DONE) }),
    options.status,
  );
}

/** As users.handlers.ts: losing the race for an address is a 409, and the audit guard keeps the last owner. */
async function guarded<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const text = error instanceof Error ? `${error.message} ${String(error.cause ?? "")}` : String(error);
    if (text.includes("UNIQUE constraint failed: users.company_id, users.email")) throw conflict("user_exists", "A user with this email already exists");
    if (isGuardFailure(error)) throw conflict("last_owner", "A company must keep at least one owner");
    throw error;
  }
}

async function userOfPath(c: Context<AppEnv>, session: PageSession): Promise<UserRow> {
  const params = UserParams.safeParse({ id: c.req.param("id") });
  const user = params.success ? await findUserInCompany(c.var.db, session.principal.companyId, params.data.id) : undefined;
  if (!user) throw notFound("User");
  return user;
}

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
    const principal = session.principal;
    const db = c.var.db;
    const email = parsed.data.email.toLowerCase();
    const invited = await attempt(async () => {
      if (await findUserByEmail(db, principal.companyId, email)) throw conflict("user_exists", "A user with this email already exists");
      const now = Date.now();
      const user: UserRow = {
        id: newId("usr"),
        companyId: principal.companyId,
        email,
        name: parsed.data.name ?? "",
        role: parsed.data.role,
        passwordHash: null,
        status: "invited",
        createdAt: now,
        updatedAt: now,
      };
      const issued = await minterFor(c.env)("invite");
      const expiresAt = now + USER_INVITE_TTL_MS;
      await guarded(() => commitChange(c, createUserChange(db, principal, user, { issued, suffix: tokenSuffix(issued.token), expiresAt })));
      return { token: issued.token, expiresAt };
    });
    if (!invited.ok) return show(c, session, { flash: errorFlash(invited.error), status: refusalStatus(invited.error), draft });
    const link = `${publicOriginOf(c.env)}/accept/${invited.value.token}`;
    const body = html`<p><a href="/users">← Users</a></p>
<h1>Invited ${email}</h1>
<p class="notice ok" role="status">Send them this link. On it they choose their password; it works once, until ${when(invited.value.expiresAt)}.</p>
${shownOnce("Invite link", link, "invite-link")}`;
    return page(c, layout(`Invited ${email}`, body, frameOf(session, "/users")), 201);
  }),
);

usersPages.post(
  "/users/:id/role",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /users/{id}/role", async (c, session, form) => {
    const parsed = UpdateUserBody.safeParse({ role: form.one("role") });
    if (!parsed.success || !parsed.data.role) return show(c, session, { flash: { kind: "error", text: "Choose owner or member" }, status: 400 });
    const user = await userOfPath(c, session);
    const done = await attempt(() =>
      guarded(() => commitChange(c, updateUserChange(c.var.db, session.principal, user, { role: parsed.data.role }, Date.now()))),
    );
    if (!done.ok) return show(c, session, { flash: errorFlash(done.error), status: refusalStatus(done.error) });
    return c.redirect("/users?done=role", 303);
  }),
);

usersPages.post(
  "/users/:id/delete",
  formBodyLimit(FORM_BODY_LIMIT),
  consolePost("POST /users/{id}/delete", async (c, session, form) => {
    const user = await userOfPath(c, session);
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
    const done = await attempt(() => guarded(() => commitChange(c, deleteUserChange(c.var.db, session.principal, user, Date.now()))));
    if (!done.ok) return show(c, session, { flash: errorFlash(done.error), status: refusalStatus(done.error) });
    return c.redirect("/users?done=removed", 303);
  }),
);
