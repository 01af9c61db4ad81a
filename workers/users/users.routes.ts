/** Users of a company: owners create, invite, change roles and remove them. Shapes: users.contract.ts. */
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { AcceptUserInviteBody, CreateUserBody, OneUser, UpdateUserBody, UserCreated, UserDeleted, UserList, UserParams } from "./users.contract.ts";

export const createUser = createRoute({
  method: "post",
  path: "/v1/users",
  tags: ["users"],
  summary: "Create a user (owners). Without a password the user is invited: the response carries a single-use invite token (7 days)",
  request: jsonBody(CreateUserBody),
  responses: {
    201: jsonResponse(UserCreated, "Created"),
    ...errors(400, 401, 403, 409),
  },
});

export const acceptUserInvite = createRoute({
  method: "post",
  path: "/v1/users/accept",
  tags: ["users"],
  summary: "Accept a user invite by choosing a password",
  request: jsonBody(AcceptUserInviteBody),
  responses: { 200: jsonResponse(OneUser, "Activated"), ...errors(400, 410) },
});

export const listUsers = createRoute({
  method: "get",
  path: "/v1/users",
  tags: ["users"],
  summary: "List the company's users (owners)",
  responses: { 200: jsonResponse(UserList, "Users"), ...errors(401, 403) },
});

export const updateUser = createRoute({
  method: "patch",
  path: "/v1/users/{id}",
  tags: ["users"],
  summary: "Change a user's role or name (owners); the last owner cannot be demoted",
  request: { params: UserParams, ...jsonBody(UpdateUserBody) },
  responses: { 200: jsonResponse(OneUser, "Updated"), ...errors(400, 401, 403, 404, 409) },
});

export const deleteUser = createRoute({
  method: "delete",
  path: "/v1/users/{id}",
  tags: ["users"],
  summary: "Remove a user and their sessions (owners); the last owner cannot be removed",
  request: { params: UserParams },
  responses: { 200: jsonResponse(UserDeleted, "Deleted"), ...errors(401, 403, 404, 409) },
});
