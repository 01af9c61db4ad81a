/**
 * Reading the pages' HTML forms: capped before anything reads them, refused unless they come from
 * this origin with the session's CSRF token, and handed to zod as plain strings.
 */
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../app-env.ts";
import { presentedToken } from "../auth/bearer.ts";
import { verifyCsrf } from "../auth/csrf.ts";
import { AppError } from "../lib/app-error.ts";

/** Sign-in, sign-out and the console's forms are a few short fields. */
export const FORM_BODY_LIMIT = 16 * 1024;
/** The approval form and the credential form carry typed credentials: room for several long tokens. */
export const APPROVAL_FORM_BODY_LIMIT = 64 * 1024;

/**
 * Every form POST is capped before anything reads it: the pages are reachable without a session,
 * and the API's 1 MiB limit (app.ts) covers only /v1/*. Answered like the forms' other refusals
 * (csrf_failed, invalid_request): the JSON error from app.ts.
 */
export const formBodyLimit = (maxSize: number) =>
  bodyLimit({
    maxSize,
    onError: () => {
      throw new AppError(413, "payload_too_large", `Form bodies are limited to ${maxSize} bytes`);
    },
  });

/** Forms must come from this origin and carry the session's CSRF token. */
export async function requireForm(c: Context<AppEnv>, csrf: string | undefined): Promise<void> {
  const origin = c.req.header("Origin");
  if (origin !== new URL(c.req.url).origin) throw new AppError(403, "csrf_failed", "This form must be sent from Edgevault's own pages");
  const presented = presentedToken(c);
  if (presented?.viaCookie && !(await verifyCsrf(presented.token, csrf)))
    throw new AppError(403, "csrf_failed", "The form expired or was forged; reload the page");
}

/** A submitted form's text fields. An empty field reads as absent, as an unfilled one is. */
export type FormFields = {
  /**
   * A field sent once. Sent more than once it is refused (400 `invalid_request`): no page sends a
   * single field twice, and reading either copy would let a crafted form say one thing to a check
   * and another to the write (two `bearer_token`s, two `cred_KEY`s).
   */
  one(name: string): string | undefined;
  /** Every value of a repeated field (checkboxes), blanks left out. */
  all(name: string): string[];
  /** The names of the fields sent, for fields named after their subject (`grant_<vault>`). */
  names(): string[];
};

export async function readForm(c: Context<AppEnv>): Promise<FormFields> {
  let body: Record<string, string | File | (string | File)[]>;
  try {
    body = await c.req.parseBody({ all: true });
  } catch {
    // A malformed multipart body is the sender's mistake, not the edge's.
    throw new AppError(400, "invalid_request", "The form could not be read; send it again from the page");
  }
  const sent = (name: string) => {
    const value = body[name];
    return Array.isArray(value) ? value : value === undefined ? [] : [value];
  };
  const values = (name: string) => sent(name).filter((v): v is string => typeof v === "string" && v !== "");
  const one = (name: string) => {
    if (sent(name).length > 1) throw new AppError(400, "invalid_request", `The form sent "${name}" more than once; send it again from the page`);
    return values(name)[0];
  };
  return { one, all: values, names: () => Object.keys(body) };
}

/** Query parameters the same way: blanks read as absent. */
export function readQuery(c: Context<AppEnv>): FormFields {
  const url = new URL(c.req.url);
  const values = (name: string) => url.searchParams.getAll(name).filter((v) => v !== "");
  return { one: (name) => values(name)[0], all: values, names: () => [...new Set(url.searchParams.keys())] };
}
