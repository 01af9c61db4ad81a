/**
 * `npm run docs:security`: writes the permission table (workers/auth/permission-table.ts) into
 * docs/security.md between its markers, so the page shows exactly what the gate enforces and the
 * matrix tests check. `--check` exits 1 when the page is out of date instead of writing.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { renderPermissionTable } from "../workers/auth/permission-table.ts";

export const START = "<!-- permission-table:start (npm run docs:security) -->";
export const END = "<!-- permission-table:end -->";

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../docs/security.md");
const page = readFileSync(file, "utf8");
const from = page.indexOf(START);
const to = page.indexOf(END);
if (from === -1 || to < from) throw new Error(`${file} lacks the permission-table markers`);
const updated = `${page.slice(0, from + START.length)}\n${renderPermissionTable()}\n${page.slice(to)}`;
if (process.argv.includes("--check")) {
  if (updated !== page) {
    console.error("docs/security.md's permission table is out of date: run npm run docs:security");
    process.exit(1);
  }
} else if (updated !== page) {
  writeFileSync(file, updated);
  console.log("docs/security.md: permission table updated");
}
