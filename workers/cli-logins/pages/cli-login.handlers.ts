/**
 * `/cli-login` (cli-login.page.ts): the page of `edgevault login --web`, calling the same actions
 * as GET and POST /v1/cli-logins/{userCode}[/approve|/deny]. Signing in first keeps the code:
 * the page's `?code=` travels in the sign-in's `next`.
 */
import type { Context } from "hono";
import type { AppEnv } from "../../app-env.ts";
import { consoleGet, consolePost, page } from "../../console/console-route.ts";
import { frameOf } from "../../console/nav.ts";
import { FORM_BODY_LIMIT, formBodyLimit, readQuery } from "../../console/page-forms.ts";
import { attempt, refusalStatus } from "../../console/page-parts.ts";
import type { PageSession } from "../../console/page-session.ts";
import { createRouter } from "../../router.ts";
import { actionContextOf } from "../../request-context.ts";
import { decideCliLogin, readCliLogin } from "../cli-logins.actions.ts";
import { normalUserCode } from "../cli-logins.contract.ts";
import { decidePage, enterCodePage } from "./cli-login.page.ts";

async function show(c: Context<AppEnv>, session: PageSession, code: string | undefined) {
  const frame = frameOf(session);
  if (!code) return page(c, enterCodePage(frame));
  const found = await attempt(() => readCliLogin(actionContextOf(c), code));
  if (!found.ok) return page(c, enterCodePage(frame, `No CLI login waits with the code ${code}: check it against your terminal.`), refusalStatus(found.error));
  return page(c, decidePage(frame, found.value));
}

export const cliLoginPages = createRouter();

cliLoginPages.get(
  "/cli-login",
  consoleGet("GET /cli-login", (c, session) => show(c, session, readQuery(c).one("code"))),
);

for (const [path, decision] of [
  ["/cli-login/approve", "approved"],
  ["/cli-login/deny", "denied"],
] as const) {
  cliLoginPages.post(
    path,
    formBodyLimit(FORM_BODY_LIMIT),
    consolePost(`POST ${path}`, async (c, session, form) => {
      const code = form.one("code") ?? "";
      // Confirming takes the code typed from the person's terminal: the page's own copy came from a link anyone can make.
      if (decision === "approved" && normalUserCode(form.one("typed_code") ?? "") !== normalUserCode(code)) {
        const found = await attempt(() => readCliLogin(actionContextOf(c), code));
        if (!found.ok) return page(c, enterCodePage(frameOf(session), found.error.message), refusalStatus(found.error));
        const problem = "The code you typed is not this login's code. Type the code your own terminal shows; if it shows another code, or none, deny this one.";
        return page(c, decidePage(frameOf(session), found.value, problem), 400);
      }
      const decided = await attempt(() => decideCliLogin(actionContextOf(c), code, decision));
      if (!decided.ok) return page(c, enterCodePage(frameOf(session), decided.error.message), refusalStatus(decided.error));
      return page(c, decidePage(frameOf(session), decided.value));
    }),
  );
}
