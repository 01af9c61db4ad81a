/**
 * Reaching a registration's channel (durable-objects/registration-channel.ts) from the Worker:
 * one object per registration, named by its id, so the decision finds the socket waiting for it
 * without any lookup. A registration made over HTTP has no socket there, and announcing its
 * decision costs one call that finds nobody.
 */
import type { Env } from "../env.ts";

export function registrationChannel(env: Env, registrationId: string) {
  return env.REGISTRATION_CHANNEL.getByName(`registration:${registrationId}`);
}

/**
 * Tells the channels of decided registrations (D1 already holds the decision). A failure is logged
 * and swallowed: the decision stands, and the agent can still collect it with its claim token.
 */
export async function announceDecisions(env: Env, registrationIds: readonly string[]): Promise<void> {
  await Promise.all(
    registrationIds.map((id) =>
      registrationChannel(env, id)
        .decided()
        .catch((error: unknown) => {
          const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          console.warn(JSON.stringify({ level: "warn", code: "channel_announce_failed", registration: id, reason }));
        }),
    ),
  );
}
