/**
 * A protected live stream to play in Chromium: a real host with a private, encrypted low-latency stream
 * that ffmpeg publishes over RTMP (640x360), a signed query for it, a real edge in front and a browser.
 * Started whole or not at all (what did start is stopped when a later step fails); `stop()` checks that
 * the host exits cleanly and the edge leaves no process behind.
 */
import type { Browser } from 'playwright-core';
import { expect } from 'vitest';
import { launchChromium } from './browser.js';
import { startEdge, type EdgeProcess } from './edge.js';
import { api, cleanEnv, startHost, type HostProcess } from './host-process.js';
import { exitOf, pidsMatching, publishTestPattern } from './media.js';
import { waitFor } from './wait.js';

export interface ProtectedStream {
  host: HostProcess;
  edge: EdgeProcess;
  browser: Browser;
  /** `?...` signed for the stream, valid an hour. */
  signedQuery: string;
  stop(): Promise<void>;
}

export async function startProtectedStream(options: { name: string; encryption: 'aes-128' | 'cbcs'; env?: Record<string, string> }): Promise<ProtectedStream> {
  const { name, encryption } = options;
  const started: Partial<ProtectedStream> & { publisher?: ReturnType<typeof publishTestPattern> } = {};
  const stop = async (): Promise<void> => {
    await started.browser?.close();
    if (started.publisher) {
      started.publisher.kill('SIGKILL');
      await exitOf(started.publisher);
    }
    await started.edge?.stop();
    expect(await started.host?.stop('SIGTERM')).toBe(0);
    if (started.edge) {
      expect(pidsMatching(started.edge.dir)).toEqual([]);
      started.edge.remove();
    }
  };
  try {
    const host = (started.host = await startHost({ env: cleanEnv(options.env) }));
    const created = (await api(host, 'POST', '/api/v1/streams', { name, ladder: 'passthrough', latency: 'low', private: true, encryption })).json;
    expect(created.encryption).toBe(encryption);
    started.publisher = publishTestPattern(`${created.ingest.rtmp}/${created.key}`, { size: '640x360' });
    const signedQuery = new URL((await api(host, 'POST', `/api/v1/streams/${name}/signed-urls`, { expiresInSec: 3600 })).json.hls).search;
    started.edge = await startEdge({ origin: host.url, token: host.token });
    await waitFor('three segments', async () => {
      const res = await fetch(`${host.url}/live/${name}/v0.m3u8${signedQuery}`);
      return res.status === 200 && (await res.text()).split('#EXTINF').length > 3;
    }, 40_000);
    started.browser = await launchChromium();
    return { host, edge: started.edge, browser: started.browser, signedQuery, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
