import { describe, expect, it } from "vitest";
import { servesHost } from "../../../workers/lib/http/served-host.ts";

describe("the hosts the edge serves", () => {
  const origin = "https://edgevault.example";

  it("serves the public origin's name, in any case and fully qualified, whatever the port", () => {
    for (const host of ["edgevault.example", "EdgeVault.Example", "edgevault.example."]) expect(servesHost(host, origin, undefined), host).toBe(true);
    expect(servesHost("127.0.0.1", "http://127.0.0.1:14321", undefined)).toBe(true);
    // The origin's name is parsed once per origin: another origin is parsed afresh, never the last one's.
    expect([servesHost("127.0.0.1", origin, undefined), servesHost("edgevault.example", origin, undefined)]).toEqual([false, true]);
  });

  it("serves one company label under BASE_DOMAIN, and nothing deeper or beside it", () => {
    expect(servesHost("acme.edgevault.example", origin, "edgevault.example")).toBe(true);
    for (const host of ["a.b.edgevault.example", "edgevault.example.evil", "acmeedgevault.example", "-bad-.edgevault.example", "evil.example"]) {
      expect(servesHost(host, origin, "edgevault.example"), host).toBe(false);
    }
  });

  it("serves no company host without BASE_DOMAIN, and no look-alike of the origin", () => {
    for (const host of ["acme.edgevault.example", "edgevault.example.evil.example", "xedgevault.example", "localhost", ""]) {
      expect(servesHost(host, origin, undefined), host).toBe(false);
    }
  });
});
