/** Users of a company: owners create, invite, change roles and remove them. */
import { z } from "@hono/zod-openapi";
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonBody, jsonResponse, Timestamp } from "../lib/openapi.ts";
import { UserView } from "../sign-in/sign-in.routes.ts";

export const Password = z.string().min(12, "at least 12 characters").max(256);
const Role = z.enum(["owner", "member"]);

export const createUser = createRoute({
  method: "post",
  path: "/v1/users",
  tags: ["users"],
  summary: "Create a user (owners). Without a password the user is invited: the response carries a single-use invite token (7 days)",
  request: jsonBody(z.object({ email: z.string().email().max(254), name: z.string().max(200).optional(), role: Role.default("member"), password: Password.optional() }).strict()),
  responses: {
    201: jsonResponse(z.object({ user: UserView, invite: z.object({ token: z.string(), expires_at: Timestamp }).optional() }), "Created"),
    ...errors(400, 401, 403, 409),
  },
});

export const acceptUserInvite = createRoute({
  method: "post",
  path: "/v1/users/accept",
  tags: ["users"],
  summary: "Accept a user invite by choosing a password",
  request: jsonBody(z.object({ token: z.string().min(1).max(200), password: Password, name: z.string().max(200).optional() }).strict()),
  responses: { 200: jsonResponse(z.object({ user: UserView }), "Activated"), ...errors(400, 410) },
});

export const listUsers = createRoute({
  method: "get",
  path: "/v1/users",
  tags: ["users"],
  summary: "List the company's users (owners)",
  responses: { 200: jsonResponse(z.object({ users: z.array(UserView) }), "Users"), ...errors(401, 403) },
});

const UserParams = z.object({ id: z.string().max(64) });

export const updateUser = createRoute({
  method: "patch",
  path: "/v1/users/{id}",
  tags: ["users"],
  summary: "Change a user's role or name (owners); the last owner cannot be demoted",
  request: { params: UserParams, ...jsonBody(z.object({ role: Role.optional(), name: z.string().max(200).optional() }).strict()) },
  responses: { 200: jsonResponse(z.object({ user: UserView }), "Updated"), ...errors(400, 401, 403, 404, 409) },
});

export const deleteUser = createRoute({
  method: "delete",
  path: "/v1/users/{id}",
  tags: ["users"],
  summary: "Remove a user and their sessions (owners); the last owner cannot be removed",
  request: { params: UserParams },
  responses: { 200: jsonResponse(z.object({ deleted: z.string() }), "Deleted"), ...errors(401, 403, 404, 409) },
});
