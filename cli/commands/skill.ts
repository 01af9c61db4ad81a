/**
 * `skill install`: downloads the agent skill the edge serves (`GET /skill.md`, public) into the
 * directory an agent loads skills from, `.claude/skills/edgevault/SKILL.md` by default. No token
 * is sent: the skill is the same for everyone, and a token has no business in a public fetch.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { CliError } from "../cli-error.ts";
import { createCommand } from "../command/command.ts";
import { loadConfig } from "../edge/config.ts";
import { JSON_OPTION, printJson } from "../format.ts";
import { resolveAddr } from "../edge/session.ts";

/** Where Claude Code looks for a project's skills; `--dir ~/.claude/skills/edgevault` installs it for every project. */
export const DEFAULT_SKILL_DIR = path.join(".claude", "skills", "edgevault");
const SKILL_FILE = "SKILL.md";
/** The skill is a few kilobytes; anything this large is not it. */
const MAX_SKILL_BYTES = 1024 * 1024;
const TIMEOUT_MS = 30_000;

/** The skill's text, checked to be a skill (front matter with a name) rather than, say, an HTML error page. */
async function downloadSkill(addr: string): Promise<string> {
  const url = `${addr}/skill.md`;
  let response: Response;
  try {
    response = await fetch(url, { redirect: "manual", headers: { Accept: "text/markdown, text/plain" }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
    throw new CliError(`Cannot fetch ${url} (${cause}). Is the edge running, and is EDGEVAULT_ADDR right?`);
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new CliError(`${url} answered HTTP ${response.status}, not the skill${response.status === 404 ? ": this edge may predate it" : ""}`);
  }
  const declared = Number(response.headers.get("content-length") ?? 0);
  if (declared > MAX_SKILL_BYTES) {
    await response.body?.cancel();
    throw new CliError(`${url} is larger than ${MAX_SKILL_BYTES} bytes; that is not the skill`);
  }
  const bytes = Buffer.from(await response.arrayBuffer());
  if (bytes.length > MAX_SKILL_BYTES) throw new CliError(`${url} is larger than ${MAX_SKILL_BYTES} bytes; that is not the skill`);
  const text = bytes.toString("utf8");
  const frontMatter = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(text)?.[1];
  if (frontMatter === undefined || !/^name:\s*\S/m.test(frontMatter))
    throw new CliError(`${url} did not answer with a skill (Markdown with a name in its front matter)`);
  return text;
}

/** Writes `text` to `file` through a temporary file and a rename, so an agent never reads half a skill. */
async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await writeFile(tmp, text, { mode: 0o644 });
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw new CliError(`Cannot write ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export const skillInstall = createCommand({
  path: ["skill", "install"],
  summary: "Install the agent skill from the edge into .claude/skills/edgevault/SKILL.md",
  description: `Downloads the agent skill the edge serves at /skill.md (public: no token is sent) and writes it
to <dir>/SKILL.md, replacing an older copy. The skill teaches an agent the whole protocol:
discover, call through the proxy, propose on 403, wait, retry. The default directory is where
Claude Code loads a project's skills, relative to the current directory; for every project use
--dir ~/.claude/skills/edgevault, for Codex .agents/skills/edgevault. Prints the file's path.
Run it again after upgrading the edge to update the copy. The edge is EDGEVAULT_ADDR, else
the saved address.`,
  options: {
    dir: {
      type: "string",
      placeholder: "dir",
      schema: z.string().min(1, "must not be empty"),
      default: DEFAULT_SKILL_DIR,
      description: "The skill's directory; SKILL.md is written in it (created if missing)",
    },
    json: JSON_OPTION("{path, source, bytes, sha256, changed}"),
  },
  examples: ["edgevault skill install", "edgevault skill install --dir ~/.claude/skills/edgevault", "edgevault skill install --dir .agents/skills/edgevault"],
  async handler({ dir, json }, context) {
    const addr = resolveAddr(context, await loadConfig(context.env).catch(() => undefined));
    const text = await downloadSkill(addr);
    const file = path.resolve(dir, SKILL_FILE);
    const before = await readFile(file, "utf8").catch(() => undefined);
    const changed = before !== text;
    if (changed) await writeAtomically(file, text);
    const bytes = Buffer.byteLength(text, "utf8");
    if (json) {
      printJson(context, { path: file, source: `${addr}/skill.md`, bytes, sha256: createHash("sha256").update(text).digest("hex"), changed });
      return;
    }
    context.out(file);
    context.err(
      before === undefined
        ? `Installed the Edgevault agent skill (${bytes} bytes) from ${addr}/skill.md.`
        : changed
          ? `Updated the Edgevault agent skill (${bytes} bytes) from ${addr}/skill.md.`
          : `The Edgevault agent skill is already up to date with ${addr}/skill.md.`,
    );
  },
});
