import { describe, expect, it } from "vitest";
import { csvRow, ndjsonLine } from "../../../workers/lib/export-lines.ts";

describe("export lines for a SIEM: a line is one record, and a CSV cell never runs as a formula", () => {
  it("NDJSON is one JSON object and a newline, whatever newlines the values hold", () => {
    expect(ndjsonLine({ a: "x\ny", b: null })).toBe('{"a":"x\\ny","b":null}\n');
  });

  it.each([
    [[1, "plain", null, undefined], "1,plain,,\r\n"],
    [["a,b", 'say "hi"', "two\nlines"], '"a,b","say ""hi""","two\nlines"\r\n'],
    [[{ k: 1 }], '"{""k"":1}"\r\n'],
    [["=SUM(A1)", "+1", "-1", "@cmd", "\tx"], "'=SUM(A1),'+1,'-1,'@cmd,'\tx\r\n"],
    [[-1], "-1\r\n"],
  ])("%j → %j", (values, row) => {
    expect(csvRow(values)).toBe(row);
  });
});
