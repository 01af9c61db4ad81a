/**
 * The edge's address. Plain http is accepted only for loopback: anything else would send
 * bearer tokens and credential values in clear text.
 */
import { z } from "zod";

export const DEFAULT_ADDR = "http://127.0.0.1:14321";

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

export const Addr = z
  .string()
  .url("must be a URL such as https://edgevault.example.com")
  .transform((value) => new URL(value))
  .refine(
    (url) => url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname)),
    "must use https (plain http only for 127.0.0.1, localhost or [::1])",
  )
  .refine((url) => url.username === "" && url.password === "" && url.search === "" && url.hash === "", "must not carry credentials, a query or a fragment")
  // Stored and used without a trailing slash so paths can be appended as `${addr}/v1/...`.
  .transform((url) => `${url.origin}${url.pathname}`.replace(/\/+$/, ""));
