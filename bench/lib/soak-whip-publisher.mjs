// A child of bench/soak: one WHIP publisher. ffmpeg sends H.264 RTP (bench/lib/webrtc.mjs
// rtpPublisherArgs) to a UDP socket here; each packet goes into a werift track sent over WHIP to
// `url` with the stream key. A refused offer (the host still holds the previous publisher: 409) is
// sent again every RETRY_MS, as an encoder reconnecting does. SIGTERM: DELETE of the session, then
// exit (a clean stop); SIGKILL is a dropped publisher. The parent gets ffmpeg's PID (it stops it by
// PID too), {offering} (its first offer goes out), {refused}, {published}, {connected} and {closed}
// (the host ended the session).
// Usage: node soak-whip-publisher.mjs '{"url","key","size","fps","kbps"}'
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, useNACK, usePLI } from 'werift';
import { rtpPublisherArgs } from './webrtc.mjs';

const RETRY_MS = 500;
const { url, key, size, fps, kbps } = JSON.parse(process.argv[2]);
const send = (msg) => process.connected && process.send(msg);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const socket = dgram.createSocket('udp4');
await new Promise((r) => socket.bind(0, '127.0.0.1', r));
const track = new MediaStreamTrack({ kind: 'video' });
socket.on('message', (packet) => track.writeRtp(packet));
const ffmpeg = spawn('ffmpeg', rtpPublisherArgs(socket.address().port, { size, fps, bitrateKbps: kbps }), { stdio: ['ignore', 'ignore', 'pipe'] });
let ffmpegErr = '';
ffmpeg.stderr.on('data', (d) => (ffmpegErr = (ffmpegErr + d).slice(-2000)));
send({ type: 'ffmpeg', pid: ffmpeg.pid });

let location = null;
let ending = false;
const end = async (code) => {
  if (ending) return;
  ending = true;
  // ffmpeg first: if this process is killed while it says goodbye, nothing is left sending.
  ffmpeg.kill('SIGKILL');
  if (location) await fetch(location, { method: 'DELETE', headers: { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(3000) }).catch(() => {});
  process.exit(code);
};
process.once('SIGTERM', () => void end(0));
process.once('disconnect', () => void end(0));
ffmpeg.once('exit', (code) => {
  if (!ending) send({ type: 'closed', reason: `ffmpeg exited with ${code}: ${ffmpegErr.trim().split('\n').at(-1) ?? ''}` });
  void end(1);
});

const pc = new RTCPeerConnection({
  codecs: {
    video: [new RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: 90000, rtcpFeedback: [useNACK(), usePLI()], parameters: 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1' })],
    audio: [],
  },
  headerExtensions: { video: [], audio: [] },
});
pc.addTransceiver(track, { direction: 'sendonly' });
pc.connectionStateChange.subscribe((s) => {
  if (s === 'connected') send({ type: 'connected', at: Date.now() });
  if ((s === 'failed' || s === 'closed') && !ending) {
    send({ type: 'closed', reason: `peer connection ${s}` });
    void end(1);
  }
});
await pc.setLocalDescription(await pc.createOffer());
if (pc.iceGatheringState !== 'complete') {
  await new Promise((resolve) => {
    const t = setTimeout(resolve, 5000);
    pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && (clearTimeout(t), resolve()));
  });
}
send({ type: 'offering', at: Date.now() });
for (;;) {
  let res;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/sdp', authorization: `Bearer ${key}` }, body: pc.localDescription.sdp, signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    send({ type: 'refused', status: 0, code: String(error?.cause?.code ?? error?.name ?? 'network') });
    await sleep(RETRY_MS);
    continue;
  }
  const body = await res.text();
  if (res.status === 201) {
    location = new URL(res.headers.get('location'), url).href;
    await pc.setRemoteDescription({ type: 'answer', sdp: body });
    send({ type: 'published', at: Date.now() });
    break;
  }
  send({ type: 'refused', status: res.status, code: /"code":"([A-Z_]+)"/.exec(body)?.[1] ?? '' });
  await sleep(RETRY_MS);
}
