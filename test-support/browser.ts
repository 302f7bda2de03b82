import fs from 'node:fs';
import { chromium, type Browser, type LaunchOptions } from 'playwright-core';

/** Debian's Chromium (never a downloaded one); CHROMIUM_PATH overrides. */
export const CHROMIUM_PATH =
  process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => fs.existsSync(p));

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
  if (!CHROMIUM_PATH) throw new Error('Chromium not found: install the chromium package or set CHROMIUM_PATH');
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, ...options, args: [...CHROMIUM_ARGS, ...(options.args ?? [])] });
}
