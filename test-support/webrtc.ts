import wrtc from '@roamhq/wrtc';
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser.js';
import { waitFor } from './wait.js';

/** Chromium with a fake camera and microphone (a moving pattern and a beep), no permission prompts. */
export function launchMediaChromium(): Promise<Browser> {
  return launchChromium({ args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] });
}

export interface SignalResult {
  status: number;
  location: string | null;
  body: string;
}

/**
 * In `page`: offers `window.__pc` (once ICE gathering is complete, 3 s at most) to a WHIP/WHEP
 * `url`; the answer is applied on 201, else the connection is closed.
 */
async function signalInPage(page: Page, url: string, headers: Record<string, string> = {}): Promise<SignalResult> {
  return page.evaluate(
    async ({ endpoint, extra }) => {
      const pc = (window as unknown as { __pc: RTCPeerConnection }).__pc;
      await pc.setLocalDescription(await pc.createOffer());
      await new Promise<void>((resolve) => {
        if (pc.iceGatheringState === 'complete') resolve();
        pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
        setTimeout(resolve, 3000);
      });
      const res = await fetch(endpoint, { method: 'POST', headers: { 'Content-Type': 'application/sdp', ...extra }, body: pc.localDescription!.sdp });
      const body = await res.text();
      if (res.status === 201) await pc.setRemoteDescription({ type: 'answer', sdp: body });
      else pc.close();
      return { status: res.status, location: res.headers.get('location'), body };
    },
    { endpoint: url, extra: headers },
  );
}

/** In a page of the host's origin: a WHEP viewer (recvonly audio + video) of `url`; the answer is applied on 201. */
export async function startWhepViewer(page: Page, url: string): Promise<SignalResult> {
  await page.evaluate(() => {
    const w = window as unknown as Record<string, unknown>;
    const pc = new RTCPeerConnection();
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    const stream = new MediaStream();
    const video = document.createElement('video');
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    document.body.append(video);
    pc.ontrack = (e) => {
      stream.addTrack(e.track);
      video.srcObject = stream;
      void video.play().catch(() => undefined);
    };
    w.__pc = pc;
    w.__video = video;
  });
  return signalInPage(page, url);
}

/**
 * In a page of the host's origin: publishes the fake camera (or `codec` only) over WHIP with `key`;
 * `simulcast`: the picture offered in two encodings (full and half size).
 */
export async function startWhipPublisher(page: Page, url: string, key: string, codec?: 'H264' | 'VP8', simulcast = false): Promise<SignalResult> {
  await page.evaluate(async ([only, layered]) => {
    const media = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360, frameRate: 30 }, audio: true });
    const pc = new RTCPeerConnection();
    for (const track of media.getTracks()) {
      const layers = layered && track.kind === 'video' ? { sendEncodings: [{ rid: 'f' }, { rid: 'h', scaleResolutionDownBy: 2 }] } : {};
      const t = pc.addTransceiver(track, { direction: 'sendonly', ...layers });
      if (only && track.kind === 'video') {
        const codecs = RTCRtpSender.getCapabilities('video')!.codecs.filter((c) => c.mimeType === `video/${only}`);
        t.setCodecPreferences(codecs);
      }
    }
    (window as unknown as Record<string, unknown>).__pc = pc;
  }, [codec, simulcast] as const);
  return signalInPage(page, url, { Authorization: `Bearer ${key}` });
}

export interface InboundStats {
  state: string;
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  codec: string;
  audioPackets: number;
}

/** The page's peer connection as getStats sees it (video frames decoded, audio packets received). */
export async function inboundStats(page: Page): Promise<InboundStats> {
  return page.evaluate(async () => {
    const pc = (window as unknown as { __pc: RTCPeerConnection }).__pc;
    const out = { state: pc.connectionState, framesDecoded: 0, frameWidth: 0, frameHeight: 0, codec: '', audioPackets: 0 };
    const report = await pc.getStats();
    const codecs = new Map<string, string>();
    report.forEach((s: Record<string, unknown>) => {
      if (s.type === 'codec') codecs.set(s.id as string, s.mimeType as string);
    });
    report.forEach((s: Record<string, unknown>) => {
      if (s.type !== 'inbound-rtp') return;
      if (s.kind === 'video') {
        out.framesDecoded = (s.framesDecoded as number) ?? 0;
        out.frameWidth = (s.frameWidth as number) ?? 0;
        out.frameHeight = (s.frameHeight as number) ?? 0;
        out.codec = codecs.get(s.codecId as string) ?? '';
      } else if (s.kind === 'audio') out.audioPackets = (s.packetsReceived as number) ?? 0;
    });
    return out;
  });
}

/** UDP sockets a process holds (ICE candidates of its peer connections, RTP bridges): its socket fds found in /proc/net/udp. */
export function udpSocketCount(pid: number): number {
  const inodes = new Set<string>();
  for (const table of ['udp', 'udp6']) {
    let text: string;
    try {
      text = fs.readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const inode = line.trim().split(/\s+/)[9];
      if (inode && inode !== '0') inodes.add(inode);
    }
  }
  let count = 0;
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m && inodes.has(m[1]!)) count++;
    } catch {
      // closed meanwhile
    }
  }
  return count;
}

/** POSTs an offer (or anything) to a WHIP/WHEP endpoint from Node. */
export async function postOffer(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: any; location: string | null }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/sdp', ...headers }, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, location: res.headers.get('location') };
}

/**
 * A viewer in Node (libwebrtc inside @roamhq/wrtc: VP8/VP9/AV1, no H.264) that offers to `url` and
 * counts decoded video frames; `dataChannel` adds the channel a remote-desktop viewer needs.
 */
export async function nodeViewer(
  url: string,
  options: { headers?: Record<string, string>; dataChannel?: boolean } = {},
): Promise<{ status: number; frames: () => number; width: () => number; height: () => number; close(): void }> {
  const pc = new wrtc.RTCPeerConnection();
  pc.addTransceiver('video', { direction: 'recvonly' });
  if (options.dataChannel) pc.createDataChannel('input');
  let frames = 0;
  let size = { width: 0, height: 0 };
  let sink: InstanceType<typeof wrtc.nonstandard.RTCVideoSink> | undefined;
  pc.ontrack = (e: RTCTrackEvent) => {
    if (e.track.kind !== 'video') return;
    sink = new wrtc.nonstandard.RTCVideoSink(e.track as never);
    sink.onframe = (event: Event) => {
      frames++;
      const { width, height } = (event as unknown as { frame: { width: number; height: number } }).frame;
      size = { width, height };
    };
  };
  await pc.setLocalDescription(await pc.createOffer());
  await waitFor('ICE gathering', () => pc.iceGatheringState === 'complete', 5000);
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/sdp', ...options.headers }, body: pc.localDescription!.sdp });
  const body = await res.text();
  if (res.status === 201) await pc.setRemoteDescription({ type: 'answer', sdp: body });
  return {
    status: res.status,
    frames: () => frames,
    width: () => size.width,
    height: () => size.height,
    close: () => {
      sink?.stop();
      pc.close();
    },
  };
}
