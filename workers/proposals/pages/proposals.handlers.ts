/**
 * The proposals' pages: the inbox of pending proposals and the approval page at `approval_url`.
 * Both go through the proposals' own actions, as the API does (proposals/proposals.actions.ts);
 * the approval form binds to the destinations it showed (`destinations_digest`).
 */
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../app-env.ts";
import { holdPageTo } from "../../auth/gate.ts";
import { page } from "../../console/console-route.ts";
import { html, layout, notice } from "../../console/layout.ts";
import { frameOf } from "../../console/nav.ts";
import { APPROVAL_FORM_BODY_LIMIT, formBodyLimit, readForm, requireForm } from "../../console/page-forms.ts";
import { type PageSession, pageSession, signInRedirect } from "../../console/page-session.ts";
import { AppError } from "../../lib/app-error.ts";
import { actionContextOf, asOperation } from "../../request-context.ts";
import { heldRequestsForReview } from "../../requests/requests.actions.ts";
import { createRouter } from "../../router.ts";
import { approve, decidable, pendingForReview, reject } from "../proposals.actions.ts";
import { approvePage } from "./approve.page.ts";
import { inboxPage } from "./inbox.page.ts";

/** The inbox shows at most this many pending proposals, newest first. */
const INBOX_LIMIT = 200;

const DecisionForm = z.object({
  csrf: z.string().max(200),
  token: z.string().max(200).optional(),
  action: z.enum(["approve", "reject"]),
  reason: z.string().max(2000).optional(),
  /** The digest of the destinations the page showed: an approval binds to them. */
  destinations_digest: z.string().max(128).optional(),
});

export const proposalPages = createRouter();

proposalPages.get("/inbox", async (c) => {
  const session = await pageSession(c);
  if (!session) return signInRedirect(c);
  holdPageTo(c, "GET /inbox", session.principal);
  // Marked as each vault stands now: where every value asked for would go, and who chose it.
  const items = await pendingForReview(actionContextOf(c), INBOX_LIMIT);
  // Calls waiting for a person, in vaults where the person is an admin (held to the list's own row).
  const held = await heldRequestsForReview(asOperation(actionContextOf(c), "GET /v1/vaults/{vault}/requests"), INBOX_LIMIT);
  return page(c, inboxPage({ items, held, frame: frameOf(session, "/inbox") }));
});

proposalPages.get("/approve/:id", async (c) => {
  const session = await pageSession(c);
  if (!session) return signInRedirect(c);
  holdPageTo(c, "GET /approve/{id}", session.principal);
  const token = c.req.query("token");
  const found = await decidableOrPage(c, session, c.req.param("id"), token);
  if (found instanceof Response) return found;
  const done = c.req.query("done");
  const flash =
    done === "applied"
      ? { kind: "ok" as const, text: "Approved and applied. The agent can retry its request now." }
      : done === "rejected"
        ? { kind: "info" as const, text: "Rejected. The agent has been told." }
        : undefined;
  return page(
    c,
    approvePage({
      view: found.review,
      token: token ?? "",
      frame: frameOf(session, "/inbox"),
      flash,
    }),
  );
});

proposalPages.post("/approve/:id", formBodyLimit(APPROVAL_FORM_BODY_LIMIT), async (c) => {
  const session = await pageSession(c);
  if (!session) {
    const here = new URL(c.req.url);
    return signInRedirect(c, here.pathname + here.search);
  }
  holdPageTo(c, "POST /approve/{id}", session.principal);
  // Read as the console's forms are: a field sent twice (two values for one key) is refused.
  const body = await readForm(c);
  const form = DecisionForm.safeParse({
    csrf: body.one("csrf"),
    token: body.one("token"),
    action: body.one("action"),
    reason: body.one("reason"),
    destinations_digest: body.one("destinations_digest"),
  });
  if (!form.success) throw new AppError(400, "invalid_request", "The form is incomplete");
  await requireForm(c, form.data.csrf);
  const id = c.req.param("id");
  const found = await decidableOrPage(c, session, id, form.data.token);
  if (found instanceof Response) return found;
  const values: Record<string, string> = {};
  for (const name of body.names()) {
    const value = name.startsWith("cred_") ? body.one(name) : undefined;
    if (value !== undefined) values[name.slice(5)] = value;
  }
  // Shown again as the vault stands now (`found.review`), with its new digest when destinations changed.
  const again = (error: AppError) =>
    page(
      c,
      approvePage({
        view: found.review,
        token: form.data.token ?? "",
        frame: frameOf(session, "/inbox"),
        flash: {
          kind: "error",
          text:
            error.code === "proposal_changed"
              ? "Where the values would go changed since this page was opened; nothing was applied. Read it again below, then type the values again."
              : error.message,
        },
      }),
      error.status === 409 ? 409 : 400,
    );
  try {
    const ctx = actionContextOf(c);
    const updated =
      form.data.action === "approve"
        ? // The page always binds: a form without a digest matches no destinations.
          await approve(ctx, found, values, { shownDigest: form.data.destinations_digest ?? "" })
        : await reject(ctx, found, form.data.reason?.trim() || "Rejected without a reason");
    const query = new URLSearchParams({ ...(form.data.token ? { token: form.data.token } : {}), done: updated.status });
    // Post/redirect/get: a reload never re-submits, and typed values never travel back.
    return c.redirect(`/approve/${id}?${query.toString()}`, 303);
  } catch (error) {
    if (error instanceof AppError && error.status < 500) return again(error);
    throw error;
  }
});

/** The proposal if this human may decide it; otherwise a page saying why (never another tenant's data). */
async function decidableOrPage(c: Context<AppEnv>, session: PageSession, id: string, token: string | undefined) {
  try {
    return await decidable(actionContextOf(c), id, token);
  } catch (error) {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    const status = error.status === 404 ? 404 : 403;
    return page(
      c,
      layout("Not available", html`<h1>Not available</h1>${notice("error", error.message)}<p><a href="/inbox">Back to the inbox</a></p>`, frameOf(session)),
      status,
    );
  }
}
