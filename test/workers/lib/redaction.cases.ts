import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NATIVE_SEARCH_FROM } from "../../../workers/lib/http/form-search.ts";
import { encodedForms, isRedactedContentType, MIN_REDACTED_LENGTH, RedactionTable, Redactor, redactHeaders } from "../../../workers/lib/http/redaction.ts";
import { pathSegmentValue, queryValue } from "../../../workers/lib/http/substitutions.ts";

const utf8 = new TextEncoder();
const text = new TextDecoder();
const SEED = 20261201;

/** The redactor's output for `input` cut into `chunks` (byte lengths; the rest is the last chunk). */
function redactInChunks(secrets: { key: string; value: string }[], input: string, cuts: number[]): { output: string; count: number } {
  const bytes = utf8.encode(input);
  const redactor = new Redactor(secrets);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    out.push(...redactor.push(bytes.subarray(at, Math.max(at, cut))));
    at = Math.max(at, cut);
  }
  out.push(...redactor.push(bytes.subarray(at)), ...redactor.end());
  return { output: out.map((part) => text.decode(part, { stream: true })).join("") + text.decode(), count: redactor.count };
}

const oneShot = (secrets: { key: string; value: string }[], input: string) => redactInChunks(secrets, input, []);

/**
 * What redaction must give, written as plainly as possible: at each position the longest form that
 * starts there is replaced, left to right. (An ASCII value's forms are ASCII, so characters and
 * bytes agree.) The redactor's own shortcuts (a native search first, a scan of a chunk's tail only)
 * are held to it.
 */
function plainRedaction(key: string, value: string, input: string): string {
  const forms = encodedForms(value).sort((a, b) => b.length - a.length);
  let out = "";
  let at = 0;
  scanning: while (at < input.length) {
    for (const form of forms) {
      if (input.startsWith(form, at)) {
        out += `[REDACTED:${key}]`;
        at += form.length;
        continue scanning;
      }
    }
    out += input[at];
    at++;
  }
  return out;
}

describe("a value split across chunks at any point is still redacted", () => {
  const secret = { key: "API_KEY", value: "sk_live_4eC39HqLyjWDarjtT1zdp7dc" };
  const body = `{"debug":{"authorization":"Bearer ${secret.value}","echo":"${secret.value}"}}`;

  it("every single split point of the body", () => {
    const expected = `{"debug":{"authorization":"Bearer [REDACTED:API_KEY]","echo":"[REDACTED:API_KEY]"}}`;
    for (let cut = 0; cut <= utf8.encode(body).length; cut++) {
      expect(redactInChunks([secret], body, [cut]), `cut at ${cut}`).toEqual({ output: expected, count: 2 });
    }
  });

  it("every form of a value, split at every point, is redacted", () => {
    for (const form of encodedForms(secret.value)) {
      const input = `{"echo":"${form}"}`;
      for (let cut = 0; cut <= input.length; cut++) {
        expect(redactInChunks([secret], input, [cut]).output, `${form} cut at ${cut}`).toBe('{"echo":"[REDACTED:API_KEY]"}');
      }
    }
  });

  it("…and so in chunks long enough for the native search first (only their tails scanned)", () => {
    const head = `{"padding":"${"x".repeat(NATIVE_SEARCH_FROM)}",`;
    for (const form of encodedForms(secret.value)) {
      const input = `${head}"echo":"${form}"}`;
      for (let cut = head.length; cut <= input.length; cut++) {
        expect(redactInChunks([secret], input, [cut]).output, `${form} cut at ${cut}`).toBe(`${head}"echo":"[REDACTED:API_KEY]"}`);
      }
    }
  });

  it("any chunking gives what a one-shot redaction gives, and no form of the value survives (fast-check)", () => {
    const value = fc.stringMatching(/^[A-Za-z0-9_+/=.~ -]{6,40}$/);
    fc.assert(
      fc.property(
        value,
        fc.array(fc.constantFrom(...([0, 1, 2, 3, 4, 5, 6, 7, 8] as const)), { maxLength: 6 }),
        fc.array(fc.string({ maxLength: 30 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(400 + NATIVE_SEARCH_FROM), { maxLength: 12 }),
        fc.boolean(),
        (v, forms, fillers, cuts, large) => {
          const secrets = [{ key: "K", value: v }];
          const all = encodedForms(v);
          // A large body is searched natively before it is scanned.
          const head = large ? "-".repeat(NATIVE_SEARCH_FROM) : "";
          const input = head + fillers.map((filler, i) => `${filler}${all[(forms[i] ?? 0) % all.length] ?? v}`).join("");
          const chunked = redactInChunks(secrets, input, cuts);
          expect(chunked).toEqual(oneShot(secrets, input));
          expect(chunked.output).toBe(plainRedaction("K", v, input));
          // A whole body at once (an answer read whole) gives the same.
          const whole = new Redactor(secrets);
          expect({ output: text.decode(whole.whole(utf8.encode(input))), count: whole.count }).toEqual(chunked);
          for (const form of all) expect(chunked.output.includes(form), form).toBe(false);
          expect(chunked.count).toBeGreaterThanOrEqual(fillers.length);
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("forms cut short, at any chunking, are passed on whole: held back at a chunk's end, never lost (fast-check)", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_+/=.~ -]{6,40}$/),
        fc.array(fc.tuple(fc.string({ maxLength: 20 }), fc.nat(16), fc.nat(60)), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(500 + NATIVE_SEARCH_FROM), { maxLength: 12 }),
        fc.boolean(),
        (v, pieces, cuts, large) => {
          const all = encodedForms(v);
          // Each piece: a filler, then a form missing at least its last character (after a head
          // long enough for the native search, or none).
          const input =
            (large ? "-".repeat(NATIVE_SEARCH_FROM) : "") +
            pieces
              .map(([filler, which, keep]) => {
                const form = all[which % all.length] ?? v;
                return `${filler}${form.slice(0, keep % form.length)}`;
              })
              .join("");
          const chunked = redactInChunks([{ key: "K", value: v }], input, cuts);
          expect(chunked.output).toBe(plainRedaction("K", v, input));
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("a two-byte character split between chunks survives intact", () => {
    const secrets = [{ key: "K", value: "pässwörd-1234" }];
    const input = `é ${secrets[0]?.value} ü`;
    for (let cut = 0; cut <= utf8.encode(input).length; cut++) expect(redactInChunks(secrets, input, [cut]).output).toBe("é [REDACTED:K] ü");
  });
});

describe("each encoding an echo may wear is redacted", () => {
  const value = "s3cr3t/value+with space&more=1";
  const b64 = btoa(value);
  it.each([
    ["as it is", value],
    ["base64", b64],
    ["base64 unpadded", b64.replace(/=+$/, "")],
    ["base64url", b64.replace(/=+$/, "").replaceAll("+", "-").replaceAll("/", "_")],
    ["percent-encoded", encodeURIComponent(value)],
    ["percent-encoded, lower-case hex", encodeURIComponent(value).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())],
    ["form-encoded", encodeURIComponent(value).replaceAll("%20", "+")],
    ["as a URI", encodeURI(value)],
    ["in a JSON string", JSON.stringify(value).slice(1, -1)],
  ])("%s", (_how, form) => {
    expect(oneShot([{ key: "TOKEN", value }], `before ${form} after`)).toEqual({ output: "before [REDACTED:TOKEN] after", count: 1 });
  });

  it("a value shorter than the minimum is left alone (it would match ordinary text)", () => {
    const short = "x".repeat(MIN_REDACTED_LENGTH - 1);
    expect(oneShot([{ key: "ID", value: short }], `id ${short}`).output).toBe(`id ${short}`);
  });

  it("the longest form wins where two overlap, whichever key it is", () => {
    expect(
      oneShot(
        [
          { key: "SHORT", value: "abcdef" },
          { key: "LONG", value: "abcdefghij" },
        ],
        "abcdefghij abcdef",
      ).output,
    ).toBe("[REDACTED:LONG] [REDACTED:SHORT]");
  });
});

describe("memory stays bounded and events are not held up", () => {
  const secrets = [{ key: "K", value: "0123456789abcdef" }];

  it("at most the longest form less one byte is ever held back", () => {
    const longest = Math.max(...encodedForms(secrets[0]?.value ?? "").map((f) => utf8.encode(f).length));
    const redactor = new Redactor(secrets);
    let sent = 0;
    let passed = 0;
    for (let i = 0; i < 2000; i++) {
      const chunk = utf8.encode(`${"0123456789abcde".slice(0, i % 16)}-${i};`);
      sent += chunk.length;
      passed += redactor.push(chunk).reduce((n, p) => n + p.length, 0);
      expect(sent - passed).toBeLessThanOrEqual(longest - 1);
    }
  });

  it("a chunk whose end cannot begin a value is passed on whole (an SSE event is not delayed)", () => {
    const redactor = new Redactor(secrets);
    const event = utf8.encode('data: {"text":"hello"}\n\n');
    expect(redactor.push(event).reduce((n, p) => n + p.length, 0)).toBe(event.length);
  });

  it("an event stream's value split across events is redacted, each event passed on as far as it can be", () => {
    const redactor = new Redactor(secrets);
    const out = ["data: 0123456", "789abcdef\n\n", "data: done\n\n"].map((part) => text.decode(redactor.pass(utf8.encode(part)) ?? new Uint8Array()));
    expect(out).toEqual(["data: ", "[REDACTED:K]\n\n", "data: done\n\n"]);
    expect(redactor.finish()).toBeNull();
    expect(redactor.count).toBe(1);
  });
});

describe("a whole body at once", () => {
  it("one that holds no value comes back as the very same bytes, not a copy", () => {
    const body = utf8.encode(`{"items":[${'"nothing to see",'.repeat(1000)}"x"]}`);
    const redactor = new Redactor([{ key: "K", value: "0123456789abcdef" }]);
    expect(redactor.whole(body)).toBe(body);
    expect(redactor.count).toBe(0);
  });
});

describe("response headers are redacted too", () => {
  it("headers that hold no value come back as the same object, not a copy", () => {
    const headers = new Headers({ "Content-Type": "application/json", "X-Request-Id": "abc123" });
    const redacted = redactHeaders(headers, [{ key: "K", value: "0123456789abcdef" }]);
    expect(redacted).toEqual({ headers, count: 0 });
    expect(redacted.headers).toBe(headers);
  });

  it("every header value, in each form, counted", () => {
    const value = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";
    const { headers, count } = redactHeaders(new Headers({ "X-Echo": `token ${value}`, "X-Echo-B64": btoa(value), "Content-Type": "application/json" }), [
      { key: "GH_TOKEN", value },
    ]);
    expect(headers.get("x-echo")).toBe("token [REDACTED:GH_TOKEN]");
    expect(headers.get("x-echo-b64")).toBe("[REDACTED:GH_TOKEN]");
    expect(headers.get("content-type")).toBe("application/json");
    expect(count).toBe(2);
  });

  it("one request's secrets redact its headers and its body alike, each counted on its own", () => {
    const value = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";
    // One table for both, as the proxy hands it: the forms are derived once per request and shared.
    const secrets = new RedactionTable([{ key: "GH_TOKEN", value }]);
    const { headers, count } = redactHeaders(new Headers({ "X-Plain": "zzz", "X-Echo": `token ${value}`, "X-Url": encodeURIComponent(value) }), secrets);
    const body = new Redactor(secrets);
    const out = [...body.push(utf8.encode(`{"echo":"${btoa(value)}"}`)), ...body.end()];
    expect([headers.get("x-plain"), headers.get("x-echo"), headers.get("x-url")]).toEqual(["zzz", "token [REDACTED:GH_TOKEN]", "[REDACTED:GH_TOKEN]"]);
    expect(count).toBe(2);
    expect(out.map((part) => text.decode(part)).join("")).toBe('{"echo":"[REDACTED:GH_TOKEN]"}');
    expect(body.count).toBe(1);
  });

  it("a value with characters outside ASCII is found in a header as its UTF-8 bytes", () => {
    const value = "pässwörd-1234";
    const bytes = String.fromCharCode(...new TextEncoder().encode(value));
    const { headers, count } = redactHeaders(new Headers({ "X-Echo": `seen ${bytes}`, "X-Other": "seen pässwörd" }), [{ key: "K", value }]);
    expect([headers.get("x-echo"), headers.get("x-other"), count]).toEqual(["seen [REDACTED:K]", "seen pässwörd", 1]);
  });

  it("a header of 200,000 bytes holding the value is redacted whole", () => {
    const value = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";
    const long = `${"x".repeat(100_000)}${value}${"y".repeat(100_000)}`;
    const { headers, count } = redactHeaders(new Headers({ "X-Echo": long }), [{ key: "GH_TOKEN", value }]);
    expect(headers.get("x-echo")).toBe(`${"x".repeat(100_000)}[REDACTED:GH_TOKEN]${"y".repeat(100_000)}`);
    expect(count).toBe(1);
  });
});

describe("only textual bodies are redacted", () => {
  it.each([
    ["application/json", true],
    ["application/json; charset=utf-8", true],
    ["application/vnd.github+json", true],
    ["application/problem+json", true],
    ["text/html", true],
    ["text/plain; charset=iso-8859-1", true],
    ["text/event-stream", true],
    ["application/xml", true],
    ["application/atom+xml", true],
    ["application/x-www-form-urlencoded", true],
    ["application/x-ndjson", true],
    // Textual types an echo also arrives in (a hostile tester's finding: these passed whole).
    ["application/javascript", true],
    ["application/ecmascript", true],
    ["application/yaml", true],
    ["application/x-yaml", true],
    ["application/vnd.api+yaml", true],
    ["multipart/mixed; boundary=x", true],
    ["multipart/form-data; boundary=x", true],
    ["text/x-python", true],
    [null, true],
    ["image/png", false],
    ["application/octet-stream", false],
    ["application/pdf", false],
    ["application/zip", false],
    ["video/mp4", false],
  ])("%s → %s", (type, redacted) => {
    expect(isRedactedContentType(type)).toBe(redacted);
  });
});

describe("every form the edge writes a value in, and an echo's other wrappings, comes back redacted", () => {
  const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

  it("the path-segment form (`: @ $ & + =` left as they are, `/` escaped), as the edge substitutes it", () => {
    const value = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    expect(pathSegmentValue(value)).toBe("wJalrXUtnFEMI%2FK7MDENG+bPxRfiCYEXAMPLEKEY");
    for (const form of [pathSegmentValue(value), pathSegmentValue(value).replace("%2F", "%2f")]) {
      expect(oneShot([{ key: "AWS", value }], `GET /x/${form}/y`)).toEqual({ output: "GET /x/[REDACTED:AWS]/y", count: 1 });
    }
  });

  it("the query-value form (`! ' ( ) *` escaped too), as the edge substitutes it", () => {
    const value = "tok!en*val(ue)99";
    expect(queryValue(value)).toBe("tok%21en%2Aval%28ue%2999");
    expect(oneShot([{ key: "K", value }], `?key=${queryValue(value)}&a=1`)).toEqual({ output: "?key=[REDACTED:K]&a=1", count: 1 });
    expect(oneShot([{ key: "K", value }], `?key=tok%21en%2aval%28ue%2999`)).toEqual({ output: "?key=[REDACTED:K]", count: 1 });
  });

  it("inside a larger base64 blob at each of the three alignments, standard and URL-safe alphabets", () => {
    const value = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
    const secret = utf8.encode(value);
    for (const before of ["", "a", "ab", "abc", "abcd", "abcde"]) {
      for (const after of ["", "z", "zz", "zzz"]) {
        const blob = b64(utf8.encode(`{"auth":"${before}${value}${after}"}`));
        for (const wrapped of [blob, blob.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")]) {
          const { output, count } = oneShot([{ key: "K", value }], wrapped);
          expect(count, `${before}|${after}`).toBe(1);
          expect(output).toContain("[REDACTED:K]");
          // What is left around the replacement cannot spell the value back: at most the one character shared with each neighbour.
          expect(output.length, `${before}|${after}`).toBeLessThanOrEqual(wrapped.length - Math.floor((secret.length * 8) / 6) + 2 + "[REDACTED:K]".length);
        }
      }
    }
  });

  it("hex, lower- and upper-case", () => {
    const value = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";
    const hex = [...utf8.encode(value)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
    expect(oneShot([{ key: "GH", value }], `dump ${hex} ${hex.toUpperCase()}`)).toEqual({ output: "dump [REDACTED:GH] [REDACTED:GH]", count: 2 });
  });

  it("a response header whose name carries the value is dropped, and counted", () => {
    const value = "abcdef0123456789";
    const { headers, count } = redactHeaders(new Headers({ [`x-${value}`]: "1", "x-ok": "fine" }), [{ key: "K", value }]);
    expect([...headers.keys()]).toEqual(["x-ok"]);
    expect(count).toBe(1);
  });
});
