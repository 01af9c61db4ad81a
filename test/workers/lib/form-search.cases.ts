import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NATIVE_SEARCH_FROM } from "../../../workers/lib/http/form-search.ts";
import { encodedForms, RedactionTable } from "../../../workers/lib/http/redaction.ts";

const utf8 = new TextEncoder();
const SEED = 20261207;

/** About `size` bytes of JSON, as an API answers: the kind of body the native search is for. */
function jsonOf(size: number): string {
  const item = '{"id":"item_0000000","name":"a record the upstream returns","tags":["x","y","z"],"ok":true}';
  return `[${new Array(Math.ceil(size / (item.length + 1))).fill(item).join(",")}]`;
}

describe("the native search before a large body's scan (lib/http/form-search.ts)", () => {
  // A value whose base64 forms hold '+' and '/', so the URL-safe forms differ.
  const value = "sk_live_4eC39HqLyjWDarjtT1zdp7dc~?>";
  const search = new RedactionTable([{ key: "K", value }]).search;
  const body = jsonOf(256 * 1024);

  it("a body holding no form: no", () => {
    expect(search.mayOccurIn(utf8.encode(body))).toBe(false);
  });

  it("every form, at a large body's start, middle and end: maybe", () => {
    for (const form of encodedForms(value)) {
      for (const at of [0, body.length / 2, body.length]) {
        const holding = `${body.slice(0, at)}${form}${body.slice(at)}`;
        expect(search.mayOccurIn(utf8.encode(holding)), `${form} at ${at}`).toBe(true);
      }
    }
  });

  it("a form the sample is full of is still found (its rarest byte is looked for, not its absence)", () => {
    const form = encodedForms(value)[1] as string;
    const holding = `${form.repeat(NATIVE_SEARCH_FROM / form.length)}${body}`;
    expect(search.mayOccurIn(utf8.encode(holding))).toBe(true);
  });

  it("never says no where a form occurs, whatever the body and value (fast-check)", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 6, maxLength: 40 }),
        fc.array(fc.string({ maxLength: 200 }), { minLength: 1, maxLength: 40 }),
        fc.nat(20),
        fc.nat(),
        (v, fillers, which, where) => {
          const forms = encodedForms(v);
          const filler = fillers.join("").padEnd(NATIVE_SEARCH_FROM, "0123456789abcdef");
          const at = where % (filler.length + 1);
          const input = `${filler.slice(0, at)}${forms[which % forms.length]}${filler.slice(at)}`;
          expect(new RedactionTable([{ key: "K", value: v }]).search.mayOccurIn(utf8.encode(input))).toBe(true);
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });
});
