/** Driving the web pages as a browser would: sign in for a cookie, GET pages, POST forms with the session's CSRF token. */
import { SELF } from "cloudflare:test";
import { csrfTokenFor } from "../../workers/auth/csrf.ts";

export const ORIGIN = "https://edge.test";
export const PASSWORD = "correct horse battery staple";

export type Browser = { cookie: string; csrf: string };

/** Signs in through the sign-in form; the cookie and the CSRF token its forms carry. */
export async function signInCookie(email: string, password = PASSWORD): Promise<Browser> {
  const res = await SELF.fetch(`${ORIGIN}/sign-in`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: ORIGIN },
    body: new URLSearchParams({ email, password, next: "/inbox" }).toString(),
  });
  await res.arrayBuffer();
  if (res.status !== 303) throw new Error(`sign-in as ${email}: ${res.status}`);
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  return { cookie, csrf: await csrfTokenFor(cookie.slice(cookie.indexOf("=") + 1)) };
}

export type PageAnswer = { status: number; text: string; location: string | null; headers: Headers };

async function answer(res: Response): Promise<PageAnswer> {
  return { status: res.status, text: await res.text(), location: res.headers.get("location"), headers: res.headers };
}

export async function getPage(path: string, as?: Browser | { bearer: string } | { rawCookie: string }): Promise<PageAnswer> {
  const headers: Record<string, string> = {};
  if (as && "cookie" in as) headers.Cookie = as.cookie;
  if (as && "bearer" in as) headers.Authorization = `Bearer ${as.bearer}`;
  if (as && "rawCookie" in as) headers.Cookie = `edgevault_session=${as.rawCookie}`;
  return answer(await SELF.fetch(`${ORIGIN}${path}`, { redirect: "manual", headers }));
}

/** Posts a form as the page would: this origin, the session's CSRF token (unless `fields` names another). */
export async function postForm(path: string, as: Browser | undefined, fields: Record<string, string | string[]> = {}, origin = ORIGIN): Promise<PageAnswer> {
  const body = new URLSearchParams();
  if (as && !("csrf" in fields)) body.set("csrf", as.csrf);
  for (const [name, value] of Object.entries(fields)) for (const v of typeof value === "string" ? [value] : value) body.append(name, v);
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded", Origin: origin };
  if (as) headers.Cookie = as.cookie;
  return answer(await SELF.fetch(`${ORIGIN}${path}`, { method: "POST", redirect: "manual", headers, body: body.toString() }));
}

/** Follows a post/redirect/get answer to the page it names. */
export async function follow(res: PageAnswer, as: Browser): Promise<PageAnswer> {
  if (res.status !== 303 || !res.location) throw new Error(`expected a redirect, got ${res.status}: ${res.text.slice(0, 300)}`);
  return getPage(res.location, as);
}
