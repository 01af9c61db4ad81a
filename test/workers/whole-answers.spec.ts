/** The isolate's budget for answers read whole to be redacted (workers/proxy/whole-answers.ts). */
import { describe, expect, it } from "vitest";
import { reserveWholeAnswer, SMALL_ANSWER, WHOLE_ANSWER_LIMIT, WHOLE_ANSWERS_BUDGET, wholeAnswersHeld } from "../../workers/proxy/whole-answers.ts";

describe("answers held whole are bounded per answer and per isolate", () => {
  it("a small answer takes nothing from the budget; one over the limit is never held", () => {
    expect(reserveWholeAnswer(SMALL_ANSWER)).not.toBeNull();
    expect(wholeAnswersHeld()).toBe(0);
    expect(reserveWholeAnswer(WHOLE_ANSWER_LIMIT + 1)).toBeNull();
  });

  it("large answers are held until the budget is spent; the next streams; each is given back once", () => {
    const held = [];
    for (;;) {
      const giveBack = reserveWholeAnswer(WHOLE_ANSWER_LIMIT);
      if (!giveBack) break;
      held.push(giveBack);
    }
    expect(held.length).toBe(Math.floor(WHOLE_ANSWERS_BUDGET / (2 * WHOLE_ANSWER_LIMIT)));
    expect(wholeAnswersHeld()).toBeLessThanOrEqual(WHOLE_ANSWERS_BUDGET);
    const first = held[0] as () => void;
    first();
    first();
    expect(wholeAnswersHeld()).toBe((held.length - 1) * 2 * WHOLE_ANSWER_LIMIT);
    const again = reserveWholeAnswer(WHOLE_ANSWER_LIMIT);
    expect(again).not.toBeNull();
    again?.();
    for (const giveBack of held) giveBack();
    expect(wholeAnswersHeld()).toBe(0);
  });

  it("an answer whose redaction may grow it is counted at its most: a 1 MiB answer of 24× growth takes 25 MiB", () => {
    const giveBack = reserveWholeAnswer(WHOLE_ANSWER_LIMIT, 24);
    expect(wholeAnswersHeld()).toBe(25 * WHOLE_ANSWER_LIMIT);
    expect(reserveWholeAnswer(WHOLE_ANSWER_LIMIT, 24)).toBeNull();
    giveBack?.();
    expect(wholeAnswersHeld()).toBe(0);
  });
});
