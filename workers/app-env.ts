/** Hono environment shared by every router: bindings plus per-request variables. */
import type { Database } from "./db/client.ts";
import type { Env } from "./env.ts";
import type { PermissionTable } from "./auth/hold-to-row.ts";
import type { Cell } from "./auth/permission-table.ts";
import type { Principal } from "./lib/principal.ts";

export type AppEnv = {
  Bindings: Env;
  /** Read one with `c.get("db")`: Hono's `c.var` builds a new object of every variable on each access (bench/README.md). */
  Variables: {
    db: Database;
    principal: Principal;
    /** The caller's cell of the permission table for this operation (set by auth/gate.ts). */
    cell: Cell;
    /** The permission table every entry reads its row from at run time (auth/gate.ts `tableOf`): the app's. */
    permissions: PermissionTable;
  };
};
