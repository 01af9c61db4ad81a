/**
 * A gate's refused requests (429s), counted per actor, vault and reason and written by the gate's
 * alarm as one request-log row each, with `count` the number of refusals it stands for, at most
 * every DENIAL_FLUSH_MS: a refused flood cannot fill D1. The counts are kept in the object's
 * storage too, so an eviction before the alarm loses none; they are read back only when needed
 * (the first refusal after a restart, or the alarm), so a gate that refuses nothing never reads
 * its storage on the way up.
 */
import type { Database } from "../workers/db/client.ts";
import { type RequestLogRow, writeRequestLogRows } from "../workers/request-log/request-log.queries.ts";
import type { AlarmSchedule } from "./alarm-schedule.ts";

/** Refused requests are counted and written as one request-log row per actor, vault and reason this often. */
export const DENIAL_FLUSH_MS = 20_000;
const DENIAL_PREFIX = "denial:";

type PendingDenial = { row: RequestLogRow; count: number };

/** The refused request as the log shows it (never headers, query or body). */
export type RefusedRequest = {
  actor: { kind: "agent" | "vault_session"; id: string; companyId: string };
  vaultId: string;
  code: string;
  method: string;
  host: string;
  path: string;
};

export class GateDenials {
  readonly #storage: DurableObjectStorage;
  readonly #alarm: AlarmSchedule;
  readonly #waitUntil: (p: Promise<unknown>) => void;
  #pending = new Map<string, PendingDenial>();
  #restored: Promise<void> | undefined;
  #flushScheduled = false;

  constructor(storage: DurableObjectStorage, alarm: AlarmSchedule, waitUntil: (p: Promise<unknown>) => void) {
    this.#storage = storage;
    this.#alarm = alarm;
    this.#waitUntil = waitUntil;
  }

  /** Counts a refusal; the storage writes need no await: the output gate holds the answer until they are durable. */
  async count(refused: RefusedRequest, now: number): Promise<void> {
    await this.#restore();
    const { actor, vaultId, code } = refused;
    const key = `${vaultId}|${actor.kind}|${actor.id}|${code}`;
    const pending = this.#pending.get(key);
    if (pending) {
      pending.count += 1;
      void this.#storage.put(DENIAL_PREFIX + key, pending);
      return;
    }
    const counted: PendingDenial = {
      count: 1,
      row: {
        companyId: actor.companyId,
        vaultId,
        actorType: actor.kind,
        actorId: actor.id,
        service: null,
        method: refused.method.slice(0, 16),
        host: refused.host.slice(0, 255),
        path: refused.path.slice(0, 256),
        status: 429,
        latencyMs: 0,
        denial: code,
        createdAt: now,
      },
    };
    this.#pending.set(key, counted);
    void this.#storage.put(DENIAL_PREFIX + key, counted);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      this.#waitUntil(this.#alarm.noLaterThan(now + DENIAL_FLUSH_MS));
    }
  }

  /**
   * Writes the counted refusals (the alarm's part); on failure puts them back and throws, so the
   * alarm is retried. Answers the companies written for, whose chains the rows were added to.
   */
  async flush(db: Database): Promise<string[]> {
    await this.#restore();
    this.#flushScheduled = false;
    const pending = [...this.#pending];
    this.#pending.clear();
    if (pending.length === 0) return [];
    // Deleted before the first await, so a refusal counted meanwhile is stored after the delete.
    const deleted = this.#storage.delete(pending.map(([key]) => DENIAL_PREFIX + key));
    try {
      await writeRequestLogRows(
        db,
        pending.map(([, p]) => ({ ...p.row, count: p.count })),
      );
    } catch (error) {
      // Put the counts back (merged with any counted meanwhile); the alarm is retried.
      for (const [key, p] of pending) {
        const merged = { ...p, count: p.count + (this.#pending.get(key)?.count ?? 0) };
        this.#pending.set(key, merged);
        void this.#storage.put(DENIAL_PREFIX + key, merged);
      }
      throw error;
    }
    await deleted;
    return [...new Set(pending.map(([, p]) => p.row.companyId))];
  }

  /** The counts an earlier instance of this object stored and did not write, read once. */
  #restore(): Promise<void> {
    this.#restored ??= this.#storage.list<PendingDenial>({ prefix: DENIAL_PREFIX }).then(
      (stored) => {
        for (const [key, pending] of stored) this.#pending.set(key.slice(DENIAL_PREFIX.length), pending);
      },
      (error: unknown) => {
        this.#restored = undefined; // read again next time
        throw error;
      },
    );
    return this.#restored;
  }
}
