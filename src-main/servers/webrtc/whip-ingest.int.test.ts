// The WHIP ingest keeps sound and picture together from the publisher's sender reports (RFC 3550
// 6.4.1), not from when each track's first packet came. A real ffmpeg sends a flash-and-beep clip as
// RTP (H.264 and Opus) with its RTCP sender reports; the test hands the packets to WhipIngest as a
// WHIP session does, after holding back the first 600 ms of video (a track that starts late), and
// reads the flashes and beeps in the FLV the ingest publishes.
import { spawn, type ChildProcess } from 'node:child_process';
import type dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { flashesAndBeeps, makeFlashBeepClip, pairOffsets } from '../../../test-support/avsync.js';
import { needs } from '../../../test-support/peers.js';
import { ChildRegistry } from '../../core/children.js';
import type { MediaChunk } from '../../media/types.js';
import { bindRtpPair } from '../../protocols/webrtc/udp.js';
import { WhipIngest } from './whip-ingest.js';

const FFMPEG = process.env.FFMPEG_PATH ?? 'ffmpeg';
const RTCP_SR = 200;
const PERIOD = 2;

describe.skipIf(needs('ffmpeg'))('WHIP ingest: A/V sync from sender reports', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whip-ingest-'));
  const children = new ChildRegistry();
  const sockets: dgram.Socket[] = [];
  let sender: ChildProcess | undefined;
  afterAll(async () => {
    sender?.kill('SIGKILL');
    for (const s of sockets) s.close();
    await children.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // 600 ms: within ffmpeg's 1 s probe. 1500 ms: after it, so that the first ffmpeg gives up without
  // the video's parameters ("dimensions not set") and the ingest starts it again.
  it.each([600, 1500])('a video track that starts %i ms after the audio is published, in step with it', async (LATE_VIDEO_MS) => {
    const clip = makeFlashBeepClip(fs.mkdtempSync(path.join(dir, 'clip-')), { seconds: 30, period: PERIOD, ffmpeg: FFMPEG });
    const chunks: MediaChunk[] = [];
    const failures: string[] = [];
    const logged: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(line) });
    const ingest = new WhipIngest({
      name: 'sync',
      video: { codec: 'h264', payloadType: 96 },
      audio: { payloadType: 111 },
      publish: () => ({ write: (chunk) => chunks.push(chunk), setTracks: () => undefined, end: () => undefined }),
      keyframeIntervalMs: 2000,
      children,
      ffmpegPath: () => Promise.resolve(FFMPEG),
      logger,
      requestKeyframe: () => undefined,
      failed: (reason) => failures.push(reason),
    });
    await ingest.start();

    // What a WHIP session does with a publisher's packets: RTP and sender reports, per kind.
    const video = await bindRtpPair();
    const audio = await bindRtpPair();
    sockets.push(video.rtp, video.rtcp, audio.rtp, audio.rtcp);
    let videoFrom: number | null = null;
    const videoOn = (): boolean => videoFrom !== null && Date.now() - videoFrom >= LATE_VIDEO_MS;
    video.rtp.on('message', (m) => {
      videoFrom ??= Date.now();
      if (videoOn()) ingest.video(m);
    });
    video.rtcp.on('message', (m) => m[1] === RTCP_SR && videoOn() && ingest.video(m));
    audio.rtp.on('message', (m) => ingest.audio(m));
    audio.rtcp.on('message', (m) => m[1] === RTCP_SR && ingest.audio(m));

    sender?.kill('SIGKILL');
    sender = spawn(FFMPEG, [
      '-hide_banner', '-loglevel', 'error', '-re', '-i', clip,
      '-map', '0:v', '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-bf', '0', '-g', '5', '-x264-params', 'repeat-headers=1',
      '-payload_type', '96', '-f', 'rtp', `rtp://127.0.0.1:${video.port}`,
      '-map', '0:a', '-c:a', 'libopus', '-ar', '48000', '-payload_type', '111', '-f', 'rtp', `rtp://127.0.0.1:${audio.port}`,
    ], { stdio: 'ignore' });
    await new Promise((resolve) => setTimeout(resolve, 16_000));
    sender.kill('SIGKILL');
    await ingest.stop('test over');
    expect(failures).toEqual([]);
    const restarts = logged.filter((l) => l.includes('started again')).length;
    // Past the probe the first ffmpeg gave up: it was started again, once or twice.
    if (LATE_VIDEO_MS > 1000) expect(restarts, logged.join('')).toBeGreaterThanOrEqual(1);
    else expect(restarts, logged.join('')).toBe(0);

    const file = path.join(dir, `ingested-${LATE_VIDEO_MS}.flv`);
    const data = chunks.map((c) => c.data);
    fs.writeFileSync(file, Buffer.concat(data));
    const { flashes, beeps } = flashesAndBeeps(file, FFMPEG);
    // The first sender reports come within a few seconds: the pairs after them are in step.
    const settled = flashes.filter((f) => f >= flashes[0]! + 5);
    const offsets = pairOffsets(settled, beeps, PERIOD);
    console.log(`ingest A/V with video ${LATE_VIDEO_MS} ms late: beep minus flash ${pairOffsets(flashes, beeps, PERIOD).join(', ')} ms`);
    expect(offsets.length, `flashes ${flashes.join(',')}; beeps ${beeps.join(',')}`).toBeGreaterThanOrEqual(3);
    // Without the reports the offset is the late start itself (+600 ms); ffmpeg as a sender maps its
    // reports from its own wall clock, about 100 ms off: the bound is generous.
    const median = [...offsets].sort((a, b) => a - b)[Math.floor(offsets.length / 2)]!;
    expect(Math.abs(median), offsets.join(', ')).toBeLessThan(250);
  }, 90_000);
});
