import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { HostProcess } from './host-process.js';
import { waitFor } from './wait.js';

/** What the /remote viewer page exposes as `window.remote`. */
export interface RemoteState {
  phase: string;
  width: number;
  height: number;
  videoWidth?: number;
  videoHeight?: number;
  frames: number;
  fps: number;
  errors: string[];
  received: string[];
  endedAt: number | null;
  audio: boolean;
  audioBytes: number;
  audioEnergy: number;
  audioCodec: string | null;
  clipboard: string | null;
  quality: { level: number; choice: number | 'auto'; width: number; height: number; bitrateKbps: number; fps: number } | null;
  pointerLocked: boolean;
  latencyMs: number | null;
}

export const remoteState = (page: Page): Promise<RemoteState> => page.evaluate(() => (window as unknown as { remote: RemoteState }).remote);

/** Opens /remote in a new page of `from`, pairs with `code` and waits for decoded frames. */
export async function pairViewer(from: Browser | BrowserContext, host: HostProcess, code: string, viewport = { width: 640, height: 360 }): Promise<Page> {
  const page = 'newContext' in from ? await from.newPage({ viewport }) : await from.newPage();
  if (!('newContext' in from)) await page.setViewportSize(viewport);
  await page.goto(`${host.url}/remote`);
  await page.fill('#code', code);
  await page.click('#connect');
  await waitFor('the viewer to decode frames', async () => {
    const s = await remoteState(page);
    return s.phase === 'connected' && (s.videoWidth ?? 0) > 0 && s.frames > 5;
  }, 30_000);
  return page;
}
