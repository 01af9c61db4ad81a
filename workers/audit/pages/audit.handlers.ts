/**
 * `/audit`: held to GET /v1/audit's row (owners), read through the API's own action with its
 * filters (audit.actions.ts `auditTrail`). People are named by e-mail and agents by name where the
 * log holds their ids.
 */
import { z } from "zod";
import { INSTANT_RULE, parseInstant } from "../../lib/instant.ts";
import { LogCursors, oneCursor } from "../../lib/openapi.ts";
import { consoleGet, page } from "../../console/console-route.ts";
import { frameOf } from "../../console/nav.ts";
import { readQuery } from "../../console/page-forms.ts";
import type { Flash } from "../../console/page-parts.ts";
import { actionContextOf } from "../../request-context.ts";
import { createRouter } from "../../router.ts";
import { type AuditPageView, auditActionNames, auditTrail } from "../audit.actions.ts";
import { MAX_AUDIT_ACTION_LENGTH, MAX_AUDIT_ACTOR_LENGTH } from "../audit.contract.ts";
import { type AuditFilters, type AuditRowView, auditPage } from "./audit.page.ts";

const AUDIT_PAGE = 50;
/** A browser's `datetime-local` value carries no offset; the form's labels say UTC, so it is read as UTC. */
const NO_OFFSET = /T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?$/;

/** A time as the form sends it (or as the API takes it), as epoch milliseconds. */
const FormInstant = z
  .string()
  .max(40)
  .transform((value, ctx) => {
    const ms = parseInstant(NO_OFFSET.test(value) ? `${value}Z` : value);
    if (ms === undefined) {
      ctx.addIssue({ code: "custom", message: `must be a UTC date and time (2026-05-01T09:00) or ${INSTANT_RULE}` });
      return z.NEVER;
    }
    return ms;
  });
const AuditQuery = z
  .object({
    action: z.string().max(MAX_AUDIT_ACTION_LENGTH).optional(),
    actor: z.string().max(MAX_AUDIT_ACTOR_LENGTH).optional(),
    sessions: z.enum(["rows"]).optional(),
    since: FormInstant.optional(),
    until: FormInstant.optional(),
    ...LogCursors,
  })
  .refine(...oneCursor)
  .refine((q) => q.since === undefined || q.until === undefined || q.since < q.until, { path: ["until"], message: "must be later than since" });

/** The value a `datetime-local` field shows for `ms`: to the minute, or the second or millisecond when it has them. */
function formTime(ms: number): string {
  const text = new Date(ms).toISOString().slice(0, 23);
  if (text.endsWith(":00.000")) return text.slice(0, 16);
  return text.endsWith(".000") ? text.slice(0, 19) : text;
}

export const auditPages = createRouter();

auditPages.get(
  "/audit",
  consoleGet("GET /audit", async (c, session) => {
    const ctx = actionContextOf(c);
    const query = readQuery(c);
    const parsed = AuditQuery.safeParse({
      action: query.one("action"),
      actor: query.one("actor")?.trim() || undefined,
      sessions: query.one("sessions") || undefined,
      since: query.one("since"),
      until: query.one("until"),
      before: query.one("before"),
      after: query.one("after"),
    });
    const frame = frameOf(session, "/audit");
    const actions = await auditActionNames(ctx);
    const noCursors = { paged: false, olderCursor: null, newerCursor: null };
    if (!parsed.success) {
      const flash: Flash = {
        kind: "error",
        text: `These filters are not valid: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      };
      return page(c, auditPage({ frame, filters: {}, actions, entries: [], cursors: noCursors, flash }), 400);
    }
    const { sessions, ...q } = parsed.data;
    const filters: AuditFilters = {
      action: q.action,
      actor: q.actor,
      sessions,
      since: q.since === undefined ? undefined : formTime(q.since),
      until: q.until === undefined ? undefined : formTime(q.until),
    };
    const trail = await auditTrail(ctx, { limit: AUDIT_PAGE, ...q, fold: sessions === "rows" ? undefined : "sessions" });
    if (!trail.actorKnown) {
      const flash: Flash = { kind: "info", text: `No one in this company is called "${q.actor}".` };
      return page(c, auditPage({ frame, filters, actions, entries: [], cursors: noCursors, flash }));
    }
    const { entries, next_cursor, newer_cursor } = trail.page;
    const folded = sessions !== "rows";
    return page(
      c,
      auditPage({
        frame,
        filters,
        actions,
        entries: entries.map((e) => rowView(e, folded)),
        cursors: { paged: q.before !== undefined || q.after !== undefined, olderCursor: next_cursor, newerCursor: newer_cursor },
      }),
    );
  }),
);

/**
 * One row of the page: names where the log's ids have them; a vault session's minting, when
 * sessions are folded, told as the whole session ("vault run curl by alice@…, 3 min, 12 requests").
 */
function rowView(e: AuditPageView["entries"][number], folded: boolean): AuditRowView {
  const actor = { name: e.actor_name ?? e.actor_id, id: e.actor_id };
  const target = { type: e.target_type, name: e.target_name ?? e.target_id, id: e.target_id };
  const base = { id: e.id, when: Date.parse(e.created_at), actorType: e.actor_type, actor, target };
  if (folded && e.action === "session.create" && e.session) {
    const action = e.session.label.startsWith("vault run") ? "vault run" : "session";
    return { ...base, action, detail: e.session.summary };
  }
  return { ...base, action: e.action, detail: e.detail ? JSON.stringify(e.detail) : "" };
}
