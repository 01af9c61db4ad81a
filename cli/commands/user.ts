/**
 * `user invite|list|set-role|remove`: the people of the company, for its owners (and API keys).
 * An invite is a single-use link to the edge's accept page, where the person chooses their
 * password; it is printed once, and its token appears nowhere but inside that link. Passwords
 * never pass through the CLI.
 */
import { z } from "zod";
import { COMPANY_ROLES } from "../../workers/companies/companies.contract.ts";
import { MAX_EMAIL_LENGTH, OneUser, UserCreated, UserDeleted, UserList } from "../../workers/users/users.contract.ts";
import type { ApiClient } from "../edge/api-client.ts";
import { CliError } from "../cli-error.ts";
import { createCommand } from "../command/command.ts";
import { confirm } from "../confirm.ts";
import { JSON_OPTION, printJson, table } from "../format.ts";
import { listedId, oneOf } from "../command/names.ts";
import { requireSession } from "../edge/session.ts";
import { oneLine } from "../terminal-text.ts";

type User = z.output<typeof OneUser>["user"];

const UserEmail = z.email("must be an email address, such as ada@example.com").max(MAX_EMAIL_LENGTH, `must be at most ${MAX_EMAIL_LENGTH} characters`);

/** A user as the commands take one: an email address, or an id as `user list` shows it. */
const UserRef = z.union(
  [UserEmail, listedId(1, 64, "")],
  "must be an email address or a user id as shown by `edgevault user list` (e.g. usr_3f9c0a6e1b7d2c4e58)",
);

const USER = { name: "user", schema: UserRef, description: "The user's email address, or their id (user list shows both)" } as const;

const CompanyRole = z.enum(COMPANY_ROLES, `must be ${oneOf(COMPANY_ROLES)}`);

/** The page where an invited person chooses their password; the token is only ever shown inside it. */
export const acceptUrl = (addr: string, token: string) => `${addr}/accept/${encodeURIComponent(token)}`;

/** "an owner" / "a member". */
const asRole = (role: string) => (role === "owner" ? "an owner" : "a member");

/** The user an email address or id names, looked up in `GET /v1/users` (the edge addresses users by id). */
async function findUser(client: ApiClient, ref: string): Promise<User> {
  const { users } = await client.call("get", "/v1/users", UserList);
  const byEmail = ref.includes("@");
  const user = users.find((u) => (byEmail ? u.email.toLowerCase() === ref.toLowerCase() : u.id === ref));
  if (!user) throw new CliError(`No user ${byEmail ? "with email" : "with id"} ${ref} in the company; edgevault user list shows who there is`);
  return user;
}

export const userInvite = createCommand({
  path: ["user", "invite"],
  summary: "Invite a person: prints a single-use link where they choose their password",
  description: `Creates the user in the company as invited and prints the link to the edge's accept page, alone
on stdout: whoever opens it chooses the password and becomes this user, so send it only to
them. It works once, expires after 7 days, and cannot be shown again (invite them again after
removing the user if it is lost). Their vault roles are given separately, by a vault admin.
Company owners (and API keys) only.`,
  positionals: [{ name: "email", schema: UserEmail, description: "The person's email address; they sign in with it" }],
  options: {
    role: { type: "string", schema: CompanyRole, default: "member", description: `Their company role: ${oneOf(COMPANY_ROLES)}` },
    name: {
      type: "string",
      placeholder: "text",
      schema: z.string().max(200, "must be at most 200 characters").optional(),
      description: "Their name, as the console shows it (they can set it when accepting)",
    },
    json: JSON_OPTION("{user, accept_url, expires_at}"),
  },
  examples: ["edgevault user invite ada@example.com", "edgevault user invite grace@example.com --role owner --name 'Grace Hopper' | pbcopy"],
  async handler({ email, role, name, json }, context) {
    const { client } = await requireSession(context);
    const created = await client.call("post", "/v1/users", UserCreated, {
      body: { email, role, ...(name === undefined ? {} : { name }) },
    });
    if (!created.invite) throw new CliError("The edge created the user without an invite; is the CLI up to date with the edge?");
    const url = acceptUrl(client.addr, created.invite.token);
    if (json) {
      printJson(context, { user: created.user, accept_url: url, expires_at: created.invite.expires_at });
      return;
    }
    // The link alone on stdout, so it can be piped to a clipboard or a mail command.
    context.out(url);
    context.err("");
    context.err(`Invited ${created.user.email} as ${asRole(created.user.role)} of the company; the link above works once, until ${created.invite.expires_at}.`);
    context.err("Send it only to them: whoever opens it chooses the password. It cannot be shown again.");
  },
});

export const userList = createCommand({
  path: ["user", "list"],
  summary: "List the company's users with their role and status",
  description: "Lists the people of the company: email, name, company role, status (active or invited) and id. Company owners only.",
  options: { json: JSON_OPTION("a JSON array of users (the edge's fields)") },
  examples: ["edgevault user list", "edgevault user list --json | jq -r '.[] | select(.status == \"invited\") | .email'"],
  async handler({ json }, context) {
    const { client } = await requireSession(context);
    const { users } = await client.call("get", "/v1/users", UserList);
    if (json) {
      printJson(context, users);
      return;
    }
    if (users.length === 0) {
      context.err("No users yet. Invite one: edgevault user invite <email>");
      return;
    }
    context.out(
      table(
        ["EMAIL", "NAME", "ROLE", "STATUS", "ID", "CREATED"],
        users.map((u) => [u.email, oneLine(u.name, 40) || "-", u.role, u.status, u.id, u.created_at]),
      ),
    );
    context.err(`${users.length} user${users.length === 1 ? "" : "s"}`);
  },
});

export const userSetRole = createCommand({
  path: ["user", "set-role"],
  summary: "Change a user's company role (owner or member)",
  description: `Changes the user's company-wide role. Their vault roles are separate. The company's last owner
cannot be demoted. Company owners only; applies from the user's next request.`,
  positionals: [
    USER,
    { name: "role", schema: z.string(`is required: ${oneOf(COMPANY_ROLES)}`).pipe(CompanyRole), description: `The new role: ${oneOf(COMPANY_ROLES)}` },
  ],
  options: { json: JSON_OPTION("the updated user") },
  examples: ["edgevault user set-role ada@example.com owner", "edgevault user set-role usr_3f9c0a6e1b7d2c4e58 member"],
  async handler({ user: ref, role, json }, context) {
    const { client } = await requireSession(context);
    const target = await findUser(client, ref);
    const { user } = await client.call("patch", "/v1/users/{id}", OneUser, { params: { id: target.id }, body: { role } });
    if (json) printJson(context, user);
    else context.out(`User ${user.email} is now ${asRole(user.role)} of the company.`);
  },
});

export const userRemove = createCommand({
  path: ["user", "remove"],
  summary: "Remove a user from the company; their sessions end at once",
  description: `Removes the user: their sessions (CLI logins and the web console) are revoked, their vault roles
and any pending invite go with them, and vault sessions they minted stop working. This cannot be
undone (invite them again instead). The company's last owner cannot be removed. Asks for
confirmation on a terminal; without a terminal (scripts, CI) --yes is required.
Company owners only.`,
  positionals: [USER],
  options: { yes: { type: "boolean", short: "y", description: "Do not ask for confirmation" }, json: JSON_OPTION("the edge's answer", "{deleted: <id>}") },
  examples: ["edgevault user remove ada@example.com", "edgevault user remove usr_3f9c0a6e1b7d2c4e58 --yes"],
  async handler({ user: ref, yes, json }, context) {
    const { client } = await requireSession(context);
    // Looked up first, so a typo is "no such user" rather than a question about nobody.
    const user = await findUser(client, ref);
    await confirm(context, {
      yes,
      action: `remove user ${user.email}`,
      question: `Remove ${user.email} (${user.role}, ${user.status}) from the company, ending their sessions?`,
    });
    const removed = await client.call("delete", "/v1/users/{id}", UserDeleted, { params: { id: user.id } });
    if (json) printJson(context, removed);
    else context.out(`Removed user ${user.email} (${removed.deleted}); their sessions are revoked.`);
  },
});
