/**
 * An invite's token suffix is base64url, so one in 64 begins with "-". Agent Vault's scripts
 * (seed 002) write `agent invite revoke <token_suffix>` with no `--`: such a suffix must be read
 * as the suffix, not refused as an unknown option, while the command's own options still work.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { AnyCommandDeclaration } from "../../cli/command/command-declaration.ts";
import { parseCommandLine } from "../../cli/command/command-line.ts";
import { TokenSuffix } from "../../cli/command/names.ts";

/** `agent invite revoke` as cli/commands/agent-invite.ts declares it, with or without the dash rule. */
const revoke = (mayStartWithDash: boolean): AnyCommandDeclaration => ({
  path: ["agent", "invite", "revoke"],
  summary: "",
  description: "",
  examples: ["edgevault agent invite revoke -b4Tq9Lz"],
  positionals: [{ name: "token_suffix", schema: TokenSuffix, description: "", ...(mayStartWithDash ? { mayStartWithDash } : {}) }],
  options: { json: { type: "boolean", description: "" }, vault: { type: "string", short: "v", schema: z.string().optional(), description: "" } },
});
const agentInviteRevoke = revoke(true);

describe("a positional that may begin with a dash", () => {
  it("takes a suffix beginning with one dash as the suffix, with or without --, before or after --json", () => {
    expect(parseCommandLine(agentInviteRevoke, ["-Cq1qzBk"])).toMatchObject({ token_suffix: "-Cq1qzBk", json: false });
    expect(parseCommandLine(agentInviteRevoke, ["-Cq1qzBk", "--json"])).toMatchObject({ token_suffix: "-Cq1qzBk", json: true });
    expect(parseCommandLine(agentInviteRevoke, ["--json", "-Cq1qzBk"])).toMatchObject({ token_suffix: "-Cq1qzBk", json: true });
    expect(parseCommandLine(agentInviteRevoke, ["--", "-Cq1qzBk"])).toMatchObject({ token_suffix: "-Cq1qzBk" });
    expect(parseCommandLine(agentInviteRevoke, ["Xy7_k2Qa"])).toMatchObject({ token_suffix: "Xy7_k2Qa" });
  });

  it("still refuses an unknown long option and a second suffix", () => {
    expect(() => parseCommandLine(agentInviteRevoke, ["Xy7_k2Qa", "--jsno"])).toThrow(/Unknown option '--jsno'; did you mean '--json'/);
    expect(() => parseCommandLine(agentInviteRevoke, ["-Cq1qzBk", "-b4Tq9Lz"])).toThrow(/Too many arguments/);
  });

  it("still reads the command's short options as options", () => {
    expect(parseCommandLine(agentInviteRevoke, ["-v", "payments", "-Cq1qzBk"])).toMatchObject({ token_suffix: "-Cq1qzBk", vault: "payments" });
  });

  it("leaves commands whose arguments may not begin with a dash as they were", () => {
    expect(() => parseCommandLine(revoke(false), ["-Cq1qzBk"])).toThrow(/Unknown option/);
  });
});
