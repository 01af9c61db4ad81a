/**
 * How `edgevault login` asks, at a terminal, which way to log in — e-mail and password, the
 * browser, or an API key — and the e-mail address when that is the way. Only at a terminal:
 * piped input keeps login's scripted behaviour (a token on stdin).
 */
import readline from "node:readline";
import { z } from "zod";
import { MAX_EMAIL_LENGTH } from "../../workers/users/users.contract.ts";
import { CliError, EXIT } from "../cli-error.ts";
import type { SecretInput } from "../prompt.ts";

export type LoginWay = "email" | "web" | "api-key";

const WAYS: readonly { way: LoginWay; label: string }[] = [
  { way: "email", label: "E-mail and password" },
  { way: "web", label: "In the browser (you confirm a code in the console where you are signed in)" },
  { way: "api-key", label: "An API key (saved for this machine: anything running as you could use it)" },
];

/** One line typed at the terminal, shown as typed. */
export function askLine(io: SecretInput, question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: io.stdin, output: io.stderr, terminal: true, historySize: 0 });
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      rl.close();
      outcome();
    };
    rl.on("SIGINT", () => {
      io.stderr.write("\n");
      finish(() => reject(new CliError("Interrupted", EXIT.interrupted)));
    });
    rl.on("close", () => finish(() => reject(new CliError("No answer (end of input); nothing was saved"))));
    rl.question(question, (answer) => finish(() => resolve(answer.trim())));
  });
}

/** Asks which way, until an answer names one (its number, or its first word). */
export async function askLoginWay(io: SecretInput): Promise<LoginWay> {
  io.stderr.write(`How do you want to log in?\n${WAYS.map((w, i) => `  ${i + 1}. ${w.label}`).join("\n")}\n`);
  for (;;) {
    const answer = (await askLine(io, "Choose 1, 2 or 3: ")).toLowerCase();
    const chosen = WAYS.find((w, i) => answer === String(i + 1) || (answer.length > 1 && w.label.toLowerCase().startsWith(answer)));
    if (chosen) return chosen.way;
  }
}

const EmailAnswer = z.email().max(MAX_EMAIL_LENGTH);

/** The e-mail address, asked until it is one. */
export async function askEmail(io: SecretInput): Promise<string> {
  for (;;) {
    const parsed = EmailAnswer.safeParse(await askLine(io, "E-mail: "));
    if (parsed.success) return parsed.data;
    io.stderr.write("That is not an e-mail address.\n");
  }
}
