import { describe, expect, it } from "vitest";
import { clientAddressKey, UNKNOWN_CLIENT_ADDRESS } from "../../../workers/lib/http/client-address.ts";

describe("client address keys (throttles count IPv4 per address, IPv6 per /64)", () => {
  it("every spelling of one IPv6 /64 shares one key: expanded, lower-case", () => {
    const key = "2001:0db8:0000:0000::/64";
    for (const address of [
      "2001:db8::1",
      "2001:0db8:0:0::2",
      "2001:DB8:0:0:ffff:ffff:ffff:ffff",
      "2001:db8:0000:0000:1:2:3:4",
      "[2001:db8::5]",
      "2001:db8::1%eth0",
    ]) {
      expect(clientAddressKey(address), address).toBe(key);
    }
  });

  it("another /64 is another key", () => {
    expect(clientAddressKey("2001:db8:0:1::1")).toBe("2001:0db8:0000:0001::/64");
    expect(clientAddressKey("2001:db8:0:1::1")).not.toBe(clientAddressKey("2001:db8::1"));
  });

  it("IPv4 counts per address; IPv4-mapped IPv6 is that IPv4 client", () => {
    expect(clientAddressKey("203.0.113.7")).toBe("203.0.113.7");
    expect(clientAddressKey("203.0.113.8")).toBe("203.0.113.8");
    expect(clientAddressKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(clientAddressKey("::FFFF:cb00:7107")).toBe("203.0.113.7");
  });

  it("no header is one shared key; text that is not an address is kept apart, bounded", () => {
    expect(clientAddressKey(undefined)).toBe(UNKNOWN_CLIENT_ADDRESS);
    expect(clientAddressKey("")).toBe(UNKNOWN_CLIENT_ADDRESS);
    expect(clientAddressKey("not-an-address")).toBe("other:not-an-address");
    expect(clientAddressKey("x".repeat(500)).length).toBeLessThanOrEqual(70);
  });
});
