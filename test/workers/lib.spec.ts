/**
 * The pure-logic suites (crypto envelope, tokens, rate limits, host patterns, SSRF, header
 * rules, credential injection, substitutions, redaction (and its native search), problem details, SPIFFE IDs, client
 * address keys, served hosts, passport scopes) run in one
 * workerd file: each file costs a workerd start of its own, and these need no bindings.
 */
import "./lib/crypto-envelope.cases.ts";
import "./lib/tokens.cases.ts";
import "./lib/one-line.cases.ts";
import "./lib/rate-limit.cases.ts";
import "./lib/host-pattern.cases.ts";
import "./lib/ssrf.cases.ts";
import "./lib/inject-auth.cases.ts";
import "./lib/forward-headers.cases.ts";
import "./lib/identity-spiffe.cases.ts";
import "./lib/client-address.cases.ts";
import "./lib/did-key.cases.ts";
import "./lib/instant.cases.ts";
import "./lib/served-host.cases.ts";
import "./lib/passport-scopes.cases.ts";
import "./lib/substitutions.cases.ts";
import "./lib/redaction.cases.ts";
import "./lib/form-search.cases.ts";
import "./lib/problem-details.cases.ts";
import "./lib/oauth-endpoint.cases.ts";
import "./lib/export-lines.cases.ts";
