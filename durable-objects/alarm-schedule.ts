/**
 * A Durable Object has one alarm; several timers of one object share it. Each asks for the alarm
 * no later than a time, the earliest ask wins, and the object's `alarm()` does every timer's due
 * work. Asks run one after another, so two at once cannot leave the later time set.
 */
export class AlarmSchedule {
  #storage: DurableObjectStorage;
  #asks: Promise<void> = Promise.resolve();

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
  }

  /** Makes sure the alarm fires at `at` or earlier. */
  noLaterThan(at: number): Promise<void> {
    const ask = this.#asks.then(async () => {
      const current = await this.#storage.getAlarm();
      if (current === null || current > at) await this.#storage.setAlarm(at);
    });
    this.#asks = ask.catch(() => undefined);
    return ask;
  }
}
