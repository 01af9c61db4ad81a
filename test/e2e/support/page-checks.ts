/**
 * What every page of the browser suites is held to: labelled fields, a keyboard path, nothing
 * loaded from another host. Shared by the approval flow and the console.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";

/** Every visible form control has a `<label>` bound to it (for= or wrapping) with text in it. */
export async function assertEveryFieldLabelled(page: Page): Promise<void> {
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>("input:not([type=hidden]), textarea, select")]
      .filter((el) => ![...(el.labels ?? [])].some((label) => label.textContent?.trim()))
      .map((el) => el.outerHTML),
  );
  assert.deepEqual(unlabelled, [], `unlabelled fields on ${page.url()}`);
}

/** `tag:text-or-id` of the focused element, to read tab order in assertion messages. */
export function focusedLabel(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return "body";
    return `${el.tagName.toLowerCase()}:${el.id || (el.textContent ?? "").trim()}`;
  });
}

/** Presses Tab from the top of the page until the element with `id` has the focus; returns the stops. */
export async function tabUntil(page: Page, id: string): Promise<string[]> {
  const stops: string[] = [];
  for (let i = 0; i < 25; i++) {
    await page.keyboard.press("Tab");
    stops.push(await focusedLabel(page));
    if (await page.evaluate((wanted) => document.activeElement?.id === wanted, id)) return stops;
  }
  assert.fail(`Tab never reached #${id}; stops: ${stops.join(" → ")}`);
}

export function assertOnlyOwnOrigin(urls: string[], origin: string): void {
  assert.ok(urls.length > 0);
  assert.ok(
    urls.some((u) => new URL(u).pathname === "/assets/app.css"),
    "the stylesheet was loaded",
  );
  const foreign = urls.filter((u) => new URL(u).origin !== origin);
  assert.deepEqual(foreign, [], "the pages load nothing from other hosts");
}
