/**
 * The pager of the console's logs (traffic, audit): newest, newer and older, by id cursor
 * (db/id-page.ts), each link keeping the page's filters. Plain links: no script, and a page
 * reached by one can be bookmarked or shared as it is.
 */
import { html, type Markup } from "./layout.ts";

export type LogCursors = {
  /** The page was reached through a cursor (`before` or `after`), so it may not be the newest. */
  paged: boolean;
  olderCursor: number | null;
  newerCursor: number | null;
};

/** The links; none when the whole log fits on the newest page. */
export function logPager(base: string, filters: URLSearchParams, cursors: LogCursors): Markup {
  const link = (cursor?: ["before" | "after", number]) => {
    const params = new URLSearchParams(filters);
    if (cursor) params.set(cursor[0], String(cursor[1]));
    const query = params.toString();
    return query ? `${base}?${query}` : base;
  };
  const { paged, olderCursor, newerCursor } = cursors;
  if (!paged && olderCursor === null && newerCursor === null) return html``;
  return html`<nav class="pager" aria-label="Pages">
  ${paged ? html`<a href="${link()}">⇤ Newest</a>` : ""}
  ${newerCursor !== null ? html`<a href="${link(["after", newerCursor])}" rel="prev">← Newer</a>` : ""}
  ${olderCursor !== null ? html`<a href="${link(["before", olderCursor])}" rel="next">Older →</a>` : ""}
</nav>`;
}
