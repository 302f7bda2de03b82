// The two paths that feed WHEP viewers, each with Chromium as the viewer: the native fan-out (libsrtp,
// one call per packet for every viewer) and werift's JavaScript path (webrtc.fanout js, what a
// host without the addon runs). Both play, say which path they are on, and recover lost packets the
// same way: Chromium NACKs what a lossy network (iptables on the host's ICE ports) dropped, and the
// host resends it from its history.
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../test-support/wait.js';
import { needs, recordSkip } from '../test-support/peers.js';
import { api, cleanEnv, startHost, type HostProcess } from '../test-support/host-process.js';
import { publishTestPattern, stopHostCleanly } from '../test-support/media.js';
import { pageAt } from '../test-support/browser.js';
import { inboundStats, launchMediaChromium, startWhepViewer } from '../test-support/webrtc.js';
import { canDropPackets, dropUdpFromPorts } from '../test-support/netloss.js';

interface VideoIn {
  framesDecoded: number;
  packetsReceived: number;
  packetsLost: number;
  nackCount: number;
  retransmittedPacketsReceived: number;
  freezeCount: number;
}

async function videoIn(page: Page): Promise<VideoIn> {
  return page.evaluate(async () => {
    const pc = (window as unknown as { __pc: RTCPeerConnection }).__pc;
    const out = { framesDecoded: 0, packetsReceived: 0, packetsLost: 0, nackCount: 0, retransmittedPacketsReceived: 0, freezeCount: 0 };
    (await pc.getStats()).forEach((s: Record<string, unknown>) => {
      if (s.type !== 'inbound-rtp' || s.kind !== 'video') return;
      for (const key of Object.keys(out) as (keyof typeof out)[]) out[key] = (s[key] as number | undefined) ?? 0;
    });
    return out;
  });
}

const noLoss = needs('root', 'iptables') || (!canDropPackets() && recordSkip('needs the iptables statistic match (xt_statistic) to drop a share of packets'));

for (const path of ['native', 'js'] as const) {
  const unavailable = needs('ffmpeg', 'chromium', ...(path === 'native' ? (['srtp-dev'] as const) : []));
  describe.skipIf(unavailable)(`WHEP viewers fed by the ${path === 'native' ? 'native fan-out' : 'JavaScript path (werift)'}`, () => {
    let host: HostProcess;
    let browser: Browser;
    let publisher: ChildProcess;
    let page: Page;
    /** The host's ICE ports: narrow, so that a firewall rule makes exactly them lossy. */
    const iceMin = 30_000 + Math.floor(Math.random() * 8000) + (path === 'js' ? 100 : 0);
    beforeAll(async () => {
      host = await startHost(path === 'js' ? { env: cleanEnv({ STREAMS_WEBRTC_FANOUT: 'js' }) } : {});
      expect((await api(host, 'PATCH', '/api/v1/config', { webrtc: { portMin: iceMin, portMax: iceMin + 20 } })).status).toBe(200);
      browser = await launchMediaChromium();
      const created = await api(host, 'POST', '/api/v1/streams', { name: 'fan', ladder: 'passthrough' });
      publisher = publishTestPattern(`${created.json.ingest.rtmp}/${created.json.key}`, { size: '640x360', extra: ['-g', '30'] });
      await waitFor('live', async () => (await api(host, 'GET', '/api/v1/streams/fan')).json.state === 'live', 15_000);
      page = await pageAt(browser, host.url);
    }, 60_000);
    afterAll(async () => {
      publisher?.kill('SIGTERM');
      await browser?.close();
      await stopHostCleanly(host);
    });

    it('plays H.264 and Opus in Chromium, and the host says which path feeds it', async () => {
      const answer = await startWhepViewer(page, `${host.url}/live/fan/whep`);
      expect(answer.status, answer.body).toBe(201);
      await waitFor('decoded frames and audio packets', async () => {
        const s = await inboundStats(page);
        return s.framesDecoded > 30 && s.audioPackets > 20 ? s : undefined;
      }, 30_000);
      const info = (await api(host, 'GET', '/api/v1/system')).json;
      expect(info.webrtc.fanout).toEqual(path === 'native' ? { path: 'native', reason: null } : { path: 'js', reason: 'webrtc.fanout is js' });
      const metrics = await (await fetch(`${host.url}/metrics`, { headers: { authorization: `Bearer ${host.token}` } })).text();
      expect(metrics).toContain(`streams_webrtc_viewers{path="${path}"} 1`);
      expect(metrics).toContain(`streams_webrtc_viewers{path="${path === 'native' ? 'js' : 'native'}"} 0`);
    }, 60_000);

    it.skipIf(noLoss)('recovers what 2 % loss drops: Chromium NACKs, the host resends from its history, the picture goes on', async () => {
      const before = await videoIn(page);
      const restore = dropUdpFromPorts(iceMin, iceMin + 20, 0.02);
      try {
        await new Promise((r) => setTimeout(r, 8000));
      } finally {
        restore();
      }
      await new Promise((r) => setTimeout(r, 1500));
      const after = await videoIn(page);
      const d = (key: keyof VideoIn) => after[key] - before[key];
      const seen = `${path}: ${JSON.stringify({ frames: d('framesDecoded'), packets: d('packetsReceived'), lost: d('packetsLost'), nacks: d('nackCount'), retransmitted: d('retransmittedPacketsReceived'), freezes: d('freezeCount') })}`;
      console.log(`whep-fanout ${seen}`);
      expect(d('nackCount'), seen).toBeGreaterThan(0);
      // What was NACKed came back (the host resends under the same number: Chromium counts it received,
      // not as RTX, which is not negotiated): packetsLost counts only what never arrived.
      expect(d('packetsLost'), seen).toBeLessThan(Math.max(3, d('nackCount') / 4));
      // 9.5 s at 30 fps: the picture kept going.
      expect(d('framesDecoded'), seen).toBeGreaterThan(150);
    }, 60_000);
  });
}
