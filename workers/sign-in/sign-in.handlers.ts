/** Sign-in, sign-out and whoami (sign-in.actions.ts). */
import { createRouter } from "../router.ts";
import { actionContextOf, publicContextOf } from "../request-context.ts";
import { clearSessionCookie, setSessionCookie } from "./session-cookie.ts";
import { signIn, signOut, whoami } from "./sign-in.actions.ts";
import * as routes from "./sign-in.routes.ts";

export const authRouter = createRouter();

authRouter
  .openapi(routes.signIn, async (c) => {
    const body = c.req.valid("json");
    const { token, ...signedIn } = await signIn(publicContextOf(c), body, c.req.header("CF-Connecting-IP"));
    if (body.mode === "bearer") return c.json({ token, ...signedIn }, 200);
    // The cookie carries the token: the answer never does.
    setSessionCookie(c, token);
    return c.json(signedIn, 200);
  })
  .openapi(routes.signOut, async (c) => {
    const ctx = actionContextOf(c);
    const signedOut = await signOut(ctx);
    if (ctx.principal.kind === "user" && ctx.principal.viaCookie) clearSessionCookie(c);
    return c.json(signedOut, 200);
  })
  .openapi(routes.whoami, async (c) => c.json(await whoami(actionContextOf(c)), 200));
