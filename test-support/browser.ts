import { chromium, type Browser, type LaunchOptions } from 'playwright-core';
import { chromiumPath } from './peers.js';

/**
 * The system's Chromium (never a downloaded one): CHROMIUM_PATH, else the first on the PATH. Suites gate
 * on `needs('chromium')` (test-support/peers.ts), which looks for the same binary.
 */
export const CHROMIUM_PATH = chromiumPath() ?? undefined;

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
];

export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  if (!CHROMIUM_PATH) throw new Error("Chromium not found: install the chromium package or set CHROMIUM_PATH (gate the suite with needs('chromium'))");
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, ...options, args: [...CHROMIUM_ARGS, ...(options.args ?? [])] });
}
