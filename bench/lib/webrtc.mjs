// WebRTC helpers for benchmarks: the floor (ffmpeg's RTP written straight into werift tracks, one per
// viewer, nothing in between) and headless Node viewers (werift, H.264 received, not decoded) that
// count lost packets from RTP sequence numbers.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, useNACK, usePLI } from 'werift';
import { barcodeFilter, stopProcess, track } from './live.mjs';

const h264 = () =>
  new RTCRtpCodecParameters({
    mimeType: 'video/H264',
    clockRate: 90000,
    rtcpFeedback: [useNACK(), usePLI()],
    parameters: 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1',
  });

async function gathered(pc) {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise((resolve) => {
    const t = setTimeout(resolve, 5000);
    pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && (clearTimeout(t), resolve()));
  });
}

/** ffmpeg arguments of an H.264 720p30 RTP sender (x264 ultrafast zerolatency, 1 s GOP), optionally barcoded. */
export function rtpPublisherArgs(port, { size = '1280x720', fps = 30, barcode = false, bitrateKbps } = {}) {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${fps}`,
    ...(barcode ? ['-vf', barcodeFilter(fps)] : []),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', String(fps), '-pix_fmt', 'yuv420p',
    '-profile:v', 'baseline',
    ...(bitrateKbps ? ['-b:v', `${bitrateKbps}k`, '-maxrate', `${bitrateKbps}k`, '-bufsize', `${bitrateKbps}k`] : []),
    '-an', '-payload_type', '96', '-f', 'rtp', `rtp://127.0.0.1:${port}?pkt_size=1200`,
  ];
}

/**
 * The floor: ffmpeg sends RTP to a UDP socket; every packet is written to each viewer's own werift
 * track. `answer(offer)` adds a viewer. A viewer that joins waits for the next keyframe (1 s GOP).
 * The sender is the lavfi test source of `rtpPublisherArgs(port, options)`, or any other ffmpeg:
 * `options.ffmpegArgs(port)` gives its arguments (RTP to 127.0.0.1:port) and `options.ffmpegCommand`
 * its binary (default `ffmpeg`).
 */
export async function startFloorRelay(options = {}) {
  const socket = dgram.createSocket('udp4');
  await new Promise((r) => socket.bind(0, '127.0.0.1', r));
  const viewers = new Set();
  socket.on('message', (packet) => {
    for (const v of viewers) v.track.writeRtp(packet);
  });
  const { port } = socket.address();
  const args = options.ffmpegArgs ? options.ffmpegArgs(port) : rtpPublisherArgs(port, options);
  const ffmpeg = track(spawn(options.ffmpegCommand ?? 'ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] }));
  let errors = '';
  ffmpeg.stderr.on('data', (d) => (errors = (errors + d).slice(-4000)));
  return {
    ffmpeg,
    errors: () => errors,
    async answer(offer) {
      const pc = new RTCPeerConnection({ codecs: { video: [h264()], audio: [] }, headerExtensions: { video: [], audio: [] } });
      await pc.setRemoteDescription({ type: 'offer', sdp: offer });
      const t = new MediaStreamTrack({ kind: 'video' });
      for (const tr of pc.getTransceivers()) {
        if (tr.kind !== 'video') continue;
        tr.setDirection('sendonly');
        await tr.sender.replaceTrack(t);
      }
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered(pc);
      const viewer = { pc, track: t };
      viewers.add(viewer);
      pc.connectionStateChange.subscribe((s) => (s === 'closed' || s === 'failed') && viewers.delete(viewer));
      return pc.localDescription.sdp;
    },
    get viewerCount() {
      return viewers.size;
    },
    async closeViewers() {
      for (const v of [...viewers]) await v.pc.close().catch(() => {});
      viewers.clear();
    },
    async stop() {
      await this.closeViewers();
      await stopProcess(ffmpeg, 'SIGTERM', 3000);
      socket.close();
    },
  };
}

/**
 * A headless WHEP viewer in Node (werift): receives H.264 without decoding it and counts packets by
 * RTP sequence number. `signal(offer) -> answer` is the WHEP POST (or the floor relay's answer()).
 * `light`: once DTLS is up, packets are counted by their header (sent in the clear in SRTP) without
 * being decrypted, so that more viewers fit beside the server on a small machine (every server
 * measured gets the same viewers; that the packets decrypt is what the e2e tests prove).
 */
export async function nodeViewer(signal, { light = false } = {}) {
  const pc = new RTCPeerConnection({ codecs: { video: [h264()], audio: [] }, headerExtensions: { video: [], audio: [] } });
  const transceiver = pc.addTransceiver('video', { direction: 'recvonly' });
  if (light) {
    pc.connectionStateChange.subscribe((state) => {
      const srtp = transceiver.receiver.dtlsTransport?.srtp;
      if (state === 'connected' && srtp) srtp.decrypt = (data) => data;
    });
  }
  const seen = new Set();
  let counting = false;
  let highest = null;
  let lowest = null;
  let packets = 0;
  pc.onTrack.subscribe((t) =>
    t.onReceiveRtp.subscribe((rtp) => {
      packets++;
      if (!counting) return;
      // Unwrapped sequence number (16-bit wrap handled against the highest seen).
      const s = rtp.header.sequenceNumber;
      let ext = s;
      if (highest !== null) {
        const base = highest - (highest & 0xffff);
        ext = base + s;
        if (ext < highest - 0x8000) ext += 0x10000;
        else if (ext > highest + 0x8000) ext -= 0x10000;
      }
      seen.add(ext);
      if (highest === null || ext > highest) highest = ext;
      if (lowest === null || ext < lowest) lowest = ext;
    }),
  );
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const answer = await signal(pc.localDescription.sdp);
  await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
  return {
    location: answer.location,
    packets: () => packets,
    /** Starts a loss window (call once media flows). */
    startWindow() {
      seen.clear();
      highest = lowest = null;
      counting = true;
    },
    /** Loss in the window: sequence numbers never received between the first and last seen. */
    loss() {
      if (highest === null) return { expected: 0, lost: 0 };
      const expected = highest - lowest + 1;
      return { expected, lost: expected - seen.size };
    },
    close: () => pc.close().catch(() => {}),
  };
}

/** The WHEP POST of a Node viewer. */
export function whepSignal(url) {
  return async (offer) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: offer });
    const sdp = await res.text();
    if (res.status !== 201) throw new Error(`WHEP ${res.status}: ${sdp}`);
    return { sdp, location: new URL(res.headers.get('location'), url).href };
  };
}
