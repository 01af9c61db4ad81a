/**
 * How `proposal approve` reads the values a proposal needs, without a running edge: at a hidden
 * prompt on a terminal (each slot said first, nothing typed echoed), or piped on stdin (a bare
 * value for one slot, KEY=value lines for several), refusing a bad line without repeating it.
 */
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "vitest";
import { CliError } from "../../cli/cli-error.ts";
import { parseSlotValues, readSlotValues } from "../../cli/slot-values.ts";

/** Values typed at the prompts: never echoed. */
const TYPED = { sid: "AC_typed-sid_7f3e", token: "typed-token=with=equals_9q" };

describe("values typed at a terminal", () => {
  /** A terminal-like stdin the test types into once each prompt is shown. */
  function terminal(answers: Record<string, string>) {
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    const stderr = new PassThrough();
    let shown = "";
    stderr.on("data", (chunk: Buffer) => {
      shown += chunk.toString("utf8");
      for (const [prompt, answer] of Object.entries(answers)) {
        if (shown.endsWith(`${prompt}: `)) {
          delete answers[prompt];
          setImmediate(() => stdin.write(`${answer}\n`));
        }
      }
    });
    return { io: { stdin, stderr }, shown: () => shown };
  }

  it("asks for each value at a hidden prompt, after saying what it is; nothing typed is echoed", async () => {
    const tty = terminal({ "Value for TWILIO_SID": TYPED.sid, "Value for TWILIO_TOKEN": TYPED.token });
    const announced: string[] = [];
    const values = await readSlotValues(tty.io, [{ key: "TWILIO_SID", describe: "TWILIO_SID: Account SID" }, { key: "TWILIO_TOKEN" }], (line) =>
      announced.push(line),
    );
    assert.deepEqual(values, { TWILIO_SID: TYPED.sid, TWILIO_TOKEN: TYPED.token });
    assert.deepEqual(announced, ["TWILIO_SID: Account SID"]);
    assert.match(tty.shown(), /Value for TWILIO_SID: .*Value for TWILIO_TOKEN: /s);
    assert.ok(!tty.shown().includes(TYPED.sid) && !tty.shown().includes(TYPED.token), "typed values are not echoed");
  });

  it("reads nothing when no slot needs a value", async () => {
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    assert.deepEqual(await readSlotValues({ stdin, stderr: new PassThrough() }, [], () => {}), {});
  });

  it("parses piped values: a bare value for one slot, KEY=value lines for several", () => {
    assert.deepEqual(parseSlotValues("sk=abc", ["STRIPE_KEY"]), { STRIPE_KEY: "sk=abc" });
    assert.deepEqual(parseSlotValues("STRIPE_KEY=sk_live", ["STRIPE_KEY"]), { STRIPE_KEY: "sk_live" });
    assert.deepEqual(parseSlotValues("-----BEGIN KEY-----\nabc\n-----END KEY-----", ["PEM"]), { PEM: "-----BEGIN KEY-----\nabc\n-----END KEY-----" });
    assert.deepEqual(parseSlotValues("A=1\r\nB= two \r\n", ["A", "B"]), { A: "1", B: " two " });
    assert.throws(
      () => parseSlotValues("A=1\nB=", ["A", "B"]),
      (error) => error instanceof CliError && /stdin line 2: the value for B is empty/.test(error.message),
    );
    assert.throws(
      () => parseSlotValues("A=1\nsecret-looking line", ["A", "B"]),
      (error) => error instanceof CliError && !error.message.includes("secret-looking"),
    );
  });
});
