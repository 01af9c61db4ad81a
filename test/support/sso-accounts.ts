/**
 * The people the single sign-on suites' identity providers know (test/workers/sso-global-setup.ts,
 * test/e2e/sso.spec.ts). Any other login signs in with no groups, as itself when it is an address
 * (authorization-server.ts): that is how a test makes a person nobody has seen before, at a domain
 * of its own.
 */
import type { TestAccount } from "./authorization-server.ts";

export const SSO_ACCOUNTS = {
  /** In the group the suites map to the owner role. */
  ada: { id: "ada", email: "ada@acme.example", name: "Ada Lovelace", groups: ["edgevault-owners", "engineering"] },
  bob: { id: "bob", email: "bob@acme.example", name: "Bob", groups: ["engineering"] },
  /** An address of a domain no company of the suites claims. */
  eve: { id: "eve", email: "eve@elsewhere.example", name: "Eve" },
  /** A provider that vouches for nobody's address. */
  nomail: { id: "nomail", email: "", name: "No Mail" },
} as const satisfies Record<string, TestAccount>;

/** The group the suites map to the owner role. */
export const OWNERS_GROUP = "edgevault-owners";
