/**
 * Users' contract: the people of a company, how owners create, invite and change them, and the
 * password rule. Zod schemas and constants only, imported by the routes and by the CLI.
 */
import { z } from "@hono/zod-openapi";
import { CompanyRole } from "../companies/companies.contract.ts";
import { Timestamp } from "../lib/openapi.ts";

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;
export const MAX_EMAIL_LENGTH = 254;

export const Password = z.string().min(MIN_PASSWORD_LENGTH, `at least ${MIN_PASSWORD_LENGTH} characters`).max(MAX_PASSWORD_LENGTH);
export const Email = z.string().email().max(MAX_EMAIL_LENGTH);

export const UserView = z
  .object({ id: z.string(), email: z.string(), name: z.string(), role: CompanyRole, status: z.string(), company_id: z.string(), created_at: Timestamp })
  .openapi("User");

export const CreateUserBody = z
  .object({ email: Email, name: z.string().max(200).optional(), role: CompanyRole.default("member"), password: Password.optional() })
  .strict();
export const UserCreated = z.object({ user: UserView, invite: z.object({ token: z.string(), expires_at: Timestamp }).optional() });
export const AcceptUserInviteBody = z.object({ token: z.string().min(1).max(200), password: Password, name: z.string().max(200).optional() }).strict();
export const OneUser = z.object({ user: UserView });
export const UserList = z.object({ users: z.array(UserView) });
export const UserParams = z.object({ id: z.string().max(64) });
export const UpdateUserBody = z.object({ role: CompanyRole.optional(), name: z.string().max(200).optional() }).strict();
export const UserDeleted = z.object({ deleted: z.string() });
