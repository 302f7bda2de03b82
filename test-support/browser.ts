import { chromium, type Browser, type LaunchOptions, type Page } from 'playwright-core';
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

function launchOptions(options: LaunchOptions): LaunchOptions {
  if (!CHROMIUM_PATH) throw new Error("Chromium not found: install the chromium package or set CHROMIUM_PATH (gate the suite with needs('chromium'))");
  return { executablePath: CHROMIUM_PATH, headless: true, ...options, args: [...CHROMIUM_ARGS, ...(options.args ?? [])] };
}

export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch(launchOptions(options));
}

/** The same Chromium as a server of its own process group, for a test that kills it outright (`process.kill(-pid)`). */
export async function launchChromiumServer(options: LaunchOptions = {}): Promise<{ browser: Browser; pid: number }> {
  const server = await chromium.launchServer(launchOptions(options));
  return { browser: await chromium.connect(server.wsEndpoint()), pid: server.process().pid! };
}

/** A page on `origin` (its /healthz), so that fetches from the page to the host are same-origin. */
export async function pageAt(from: Pick<Browser, 'newPage'>, origin: string): Promise<Page> {
  const page = await from.newPage();
  await page.goto(`${origin}/healthz`);
  return page;
}

/** `page` (signed in) on the studio's page, once it shows. */
export async function openStudio(page: Page, host: { url: string }): Promise<void> {
  await page.goto(`${host.url}/#/studio`);
  await page.getByTestId('page-studio').waitFor();
}

/** The studio's UI in a new page, signed in through the host's login link, on its dashboard. */
export async function studioPage(from: Pick<Browser, 'newPage'>, host: { loginUrl: string }, viewport = { width: 1360, height: 900 }, permissions?: string[]): Promise<Page> {
  const page = await from.newPage({ viewport, ...(permissions ? { permissions } : {}) });
  await page.goto(host.loginUrl);
  await page.getByTestId('page-dashboard').waitFor();
  return page;
}
