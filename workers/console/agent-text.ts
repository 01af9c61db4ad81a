/**
 * Text an agent (or a session's minter) chose, as the pages show it: a proposal's message, a
 * slot's description and instructions, a session's label. Each is isolated in its own `<bdi>`, so
 * its direction cannot reorder the sentence around it, and drawn as a box, so a reader sees where
 * it starts and ends (a label reading `x”, approved by Demo Owner “y` stays inside its box instead
 * of joining the sentence). Every control character, line or paragraph separator and bidi
 * embedding, override or isolate inside is written as `\u{…}`, as the CLI does
 * (cli/terminal-text.ts `safeText`, the same set), so nothing reorders, hides or breaks the text.
 *
 * `chosenLine` for one-line places (a label, a preview): a newline or tab is written out too, so
 * a label cannot run on into the words after it; `chosenBlock` for a message or a description:
 * newlines and tabs are kept and shown as such.
 *
 * @example
 * chosenLine("nightly\u202Eevil") // <bdi class="chosen">nightly\u{202e}evil</bdi>
 */
import type { Phrase } from "../proposals/proposals.contract.ts";
import { html, type Markup } from "./layout.ts";

/** C0/C1 controls, DEL, line/paragraph separators, bidi embeddings, overrides and isolates. */
const UNSAFE_IN_LINE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same, but tab and newline stay (a message's lines). */
const UNSAFE_IN_BLOCK = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const written = (ch: string) => `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}`;

/** Chosen text on one line, isolated, every control written out. */
export const chosenLine = (text: string): Markup => html`<bdi class="chosen">${text.replace(UNSAFE_IN_LINE, written)}</bdi>`;

/** Chosen text that may run over lines (a message, a description), isolated, its line breaks kept. */
export const chosenBlock = (text: string): Markup => html`<bdi class="chosen block">${text.replace(UNSAFE_IN_BLOCK, written)}</bdi>`;

/** A reviewer's sentence (proposals.contract.ts): the edge's words as they are, the chosen parts isolated. */
export const phraseMarkup = (phrase: Phrase): Markup => html`${phrase.map((part) => (typeof part === "string" ? part : chosenLine(part.chosen)))}`;
