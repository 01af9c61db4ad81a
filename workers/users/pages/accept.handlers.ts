/**
 * `/accept/<token>`: public, like POST /v1/users/accept, and through its action (users.actions.ts):
 * the invite exists, is unused, unrevoked and unexpired, and its creator could still create it;
 * accepting claims it and activates the person at once. Any refusal is the invite-gone page (410).
 */
import { ruleOf } from "../../auth/gate.ts";
import { AppError } from "../../lib/app-error.ts";
import { page } from "../../console/console-route.ts";
import { FORM_BODY_LIMIT, formBodyLimit, readForm } from "../../console/page-forms.ts";
import { attempt } from "../../console/page-parts.ts";
import { createRouter } from "../../router.ts";
import { publicContextOf } from "../../request-context.ts";
import { acceptUserInvite, userInvitation } from "../users.actions.ts";
import { AcceptUserInviteBody } from "../users.contract.ts";
import { acceptedPage, acceptPage, inviteGonePage } from "./accept.page.ts";

// Public rows, classified like every page (an unclassified one fails here, at start).
ruleOf("GET /accept/{token}");
ruleOf("POST /accept/{token}");

export const acceptPages = createRouter();

acceptPages.get("/accept/:token", async (c) => {
  const found = await attempt(() => userInvitation(publicContextOf(c), c.req.param("token")));
  if (!found.ok) return page(c, inviteGonePage(found.error.message), 410);
  return page(c, acceptPage(found.value));
});

acceptPages.post("/accept/:token", formBodyLimit(FORM_BODY_LIMIT), async (c) => {
  if (c.req.header("Origin") !== new URL(c.req.url).origin) throw new AppError(403, "csrf_failed", "This form must be sent from Edgevault's own pages");
  const ctx = publicContextOf(c);
  const token = c.req.param("token");
  const found = await attempt(() => userInvitation(ctx, token));
  if (!found.ok) return page(c, inviteGonePage(found.error.message), 410);
  const form = await readForm(c);
  const name = form.one("name");
  const again = (error: string) => page(c, acceptPage({ ...found.value, name, error }), 400);
  const parsed = AcceptUserInviteBody.safeParse({ token, password: form.one("password"), name });
  if (!parsed.success) return again("Choose a password of at least 12 characters (and a name of at most 200).");
  if (parsed.data.password !== form.one("password_again")) return again("The two passwords differ; type the same one twice.");
  const accepted = await attempt(() => acceptUserInvite(ctx, parsed.data));
  if (!accepted.ok) return page(c, inviteGonePage(accepted.error.message), 410);
  return page(c, acceptedPage({ email: accepted.value.user.email }));
});
