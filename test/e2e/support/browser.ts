/**
 * The system's Chromium (Debian's `chromium` package) driven by playwright-core, which ships no
 * browser and downloads nothing. `launch` gives the browser a fresh temporary profile that it
 * deletes on close; each test context on top of it is a separate cookie jar.
 */
import { access } from "node:fs/promises";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// Nothing leaves the machine: no QUIC probes, no component or safe-browsing updates, no sync.
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchChromium(): Promise<Browser> {
  try {
    await access(CHROMIUM_PATH);
  } catch {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: apt-get install chromium (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}
