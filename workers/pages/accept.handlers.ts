/**
 * `/accept/<token>`: public, like POST /v1/users/accept, and with its checks: the invite exists,
 * is unused, unrevoked and unexpired, and its creator could still create it
 * (auth/invite-backing.ts); the users' own change claims it and activates the person at once.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { requireInviteBacked } from "../auth/invite-backing.ts";
import { ruleOf } from "../auth/gate.ts";
import { findCompany } from "../companies/companies.queries.ts";
import { commitChange } from "../effects.ts";
import { AppError } from "../lib/app-error.ts";
import { hashPassword } from "../lib/password.ts";
import { createRouter } from "../router.ts";
import { sha256Hex } from "../lib/tokens.ts";
import { AcceptUserInviteBody } from "../users/users.contract.ts";
import { acceptInviteChange, findUserByEmail, findUserInvite, type InviteRow } from "../users/users.queries.ts";
import { acceptedPage, acceptPage, inviteGonePage } from "./accept.page.ts";
import { page } from "./console-route.ts";
import { FORM_BODY_LIMIT, formBodyLimit, readForm } from "./page-forms.ts";
import { attempt } from "./page-parts.ts";

// Public rows, classified like every page (an unclassified one fails here, at start).
ruleOf("GET /accept/{token}");
ruleOf("POST /accept/{token}");

/** The invite the token opens, if it may still be accepted (the same refusals as the API, as 410s). */
async function usableInvite(c: Context<AppEnv>, token: string): Promise<InviteRow & { email: string }> {
  const invite = token.length <= 200 ? await findUserInvite(c.var.db, await sha256Hex(token)) : undefined;
  if (!invite?.email) throw new AppError(410, "invite_invalid", "This invite does not exist");
  if (invite.revokedAt) throw new AppError(410, "invite_revoked", "This invite was revoked");
  if (invite.usedAt) throw new AppError(410, "invite_used", "This invite was already used");
  if (invite.expiresAt <= Date.now()) throw new AppError(410, "invite_expired", "This invite has expired");
  await requireInviteBacked(c.var.db, invite);
  return { ...invite, email: invite.email };
}

const companyName = async (c: Context<AppEnv>, id: string) => (await findCompany(c.var.db, id))?.name ?? id;

export const acceptPages = createRouter();

acceptPages.get("/accept/:token", async (c) => {
  const found = await attempt(() => usableInvite(c, c.req.param("token")));
  if (!found.ok) return page(c, inviteGonePage(found.error.message), 410);
  return page(c, acceptPage({ email: found.value.email, company: await companyName(c, found.value.companyId) }));
});

acceptPages.post("/accept/:token", formBodyLimit(FORM_BODY_LIMIT), async (c) => {
  if (c.req.header("Origin") !== new URL(c.req.url).origin) throw new AppError(403, "csrf_failed", "This form must be sent from Edgevault's own pages");
  const token = c.req.param("token");
  const found = await attempt(() => usableInvite(c, token));
  if (!found.ok) return page(c, inviteGonePage(found.error.message), 410);
  const invite = found.value;
  const form = await readForm(c);
  const name = form.one("name");
  const again = async (error: string) => page(c, acceptPage({ email: invite.email, company: await companyName(c, invite.companyId), name, error }), 400);
  const parsed = AcceptUserInviteBody.safeParse({ token, password: form.one("password"), name });
  if (!parsed.success) return again("Choose a password of at least 12 characters (and a name of at most 200).");
  if (parsed.data.password !== form.one("password_again")) return again("The two passwords differ; type the same one twice.");
  const now = Date.now();
  const [claimed] = await commitChange(c, acceptInviteChange(c.var.db, invite, await hashPassword(parsed.data.password), parsed.data.name, now));
  if (claimed.length === 0) return page(c, inviteGonePage("This invite was already used"), 410);
  // The same address may belong to people of other companies: the invite names its company.
  if (!(await findUserByEmail(c.var.db, invite.companyId, invite.email))) return page(c, inviteGonePage("The invited user was removed"), 410);
  return page(c, acceptedPage({ email: invite.email }));
});
