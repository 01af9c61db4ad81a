/** Turns a zod failure into the project's 400 with a specific code (first issue wins). */
import type { ZodError } from "zod";
import { AppError } from "./app-error.ts";

export function validationError(error: ZodError): AppError {
  const issue = error.issues[0];
  if (!issue) return new AppError(400, "invalid_request", "Invalid request");
  const where = issue.path.length ? issue.path.join(".") : "body";
  if (issue.code === "unrecognized_keys") {
    return new AppError(400, "unknown_field", `Unknown field: ${issue.keys.join(", ")}`);
  }
  // zod omits the input from issues; a missing field reads "…received undefined".
  if (issue.code === "invalid_type" && /received undefined$/.test(issue.message)) {
    return new AppError(400, "missing_field", `Missing field: ${where}`);
  }
  return new AppError(400, "invalid_request", `Invalid ${where}: ${issue.message}`);
}
