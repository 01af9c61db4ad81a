/**
 * The console's navigation: one link per page a person may open, read from the permission
 * table, so the menu never offers what the page would refuse.
 */
import type { PermissionTable } from "../auth/hold-to-row.ts";
import type { Column, Operation } from "../auth/permission-table.ts";
import type { PageSession } from "./page-session.ts";

export type NavLink = { href: string; label: string };

const NAV: readonly (NavLink & { operation: Operation })[] = [
  { href: "/inbox", label: "Inbox", operation: "GET /inbox" },
  { href: "/agents", label: "Agents", operation: "GET /agents" },
  { href: "/registrations", label: "Registrations", operation: "GET /registrations" },
  { href: "/vaults", label: "Vaults", operation: "GET /vaults" },
  { href: "/users", label: "Users", operation: "GET /users" },
  { href: "/api-keys", label: "API keys", operation: "GET /api-keys" },
  { href: "/audit", label: "Audit", operation: "GET /audit" },
  { href: "/sso", label: "Single sign-on", operation: "GET /sso" },
];

/** The links `column` may follow under `table` (the request's: a page it lacks is not offered). */
export function navFor(column: Column, table: PermissionTable): NavLink[] {
  return NAV.filter(({ operation }) => {
    const rule = table[operation];
    return rule?.access === "public" || (rule?.access === "principal" && rule.cells[column] !== "deny");
  }).map(({ href, label }) => ({ href, label }));
}

/** What the layout needs around a signed-in page: who, their CSRF token, their menu, and where they are. */
export type Frame = { signedInAs: string; csrf: string; nav: readonly NavLink[]; current?: string };

export const frameOf = (session: PageSession, current?: string): Frame => ({
  signedInAs: session.principal.email,
  csrf: session.csrf,
  nav: navFor(session.column, session.table),
  current,
});
