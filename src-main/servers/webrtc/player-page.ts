/**
 * The standalone player page `/play/<name>`: WebRTC (WHEP) first, HLS when WebRTC fails or shows no
 * frame in time; it shows the measured latency (WebRTC: half the RTT plus the jitter buffer delay from
 * getStats; HLS: hls.js's distance to the live edge). `body[data-mode]` and `body[data-latency-ms]`
 * say what it does, for people and for tests.
 */
export function playerPage(name: string, hlsScript: string | null): string {
  // Stream names are [a-z0-9-] (checked before this is called): safe in HTML and in a JS string.
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${name} · live</title>
<style>
  html, body { margin: 0; height: 100%; background: #000; color: #e6e6e6; font: 14px system-ui, sans-serif; }
  video { display: block; width: 100vw; height: calc(100vh - 36px); background: #000; object-fit: contain; }
  #bar { height: 36px; display: flex; align-items: center; gap: 18px; padding: 0 14px; background: #111; }
  #bar b { color: #fff; } #err { color: #f87171; }
</style></head>
<body data-mode="connecting">
<video id="v" muted autoplay playsinline controls></video>
<div id="bar"><span>${name}</span><span>via <b id="mode">connecting…</b></span><span>latency <b id="lat">—</b></span><span id="err"></span></div>
<script type="module">
const name = ${JSON.stringify(name)};
const video = document.getElementById('v');
const show = (mode, text) => { document.body.dataset.mode = mode; document.getElementById('mode').textContent = text; };
const latency = (sec) => {
  if (sec == null || !isFinite(sec)) return;
  document.body.dataset.latencyMs = String(Math.round(sec * 1000));
  document.getElementById('lat').textContent = sec < 1 ? Math.round(sec * 1000) + ' ms' : sec.toFixed(1) + ' s';
};
const error = (text) => { document.getElementById('err').textContent = text; };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function webrtc() {
  const pc = new RTCPeerConnection();
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  const stream = new MediaStream();
  pc.ontrack = (e) => { stream.addTrack(e.track); video.srcObject = stream; video.play().catch(() => {}); };
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
    setTimeout(resolve, 3000);
  });
  const res = await fetch('/live/' + name + '/whep' + location.search, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp });
  if (res.status !== 201) {
    pc.close();
    let why = 'HTTP ' + res.status;
    try { why = (await res.json()).error.code; } catch {}
    throw new Error(why);
  }
  const where = new URL(res.headers.get('Location'), location.href).href;
  await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
  addEventListener('pagehide', () => fetch(where, { method: 'DELETE', keepalive: true }));
  const stats = async () => {
    let rtt = 0, buffer = null, frames = 0;
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'candidate-pair' && s.nominated && typeof s.currentRoundTripTime === 'number') rtt = s.currentRoundTripTime;
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        frames = s.framesDecoded || 0;
        if (s.jitterBufferEmittedCount) buffer = s.jitterBufferDelay / s.jitterBufferEmittedCount;
      }
    });
    return { frames, latency: buffer == null ? null : rtt / 2 + buffer };
  };
  for (let i = 0; i < 40; i++) {
    if ((await stats()).frames > 0) break;
    if (i === 39 || pc.connectionState === 'failed') { pc.close(); fetch(where, { method: 'DELETE' }); throw new Error('no video over WebRTC'); }
    await sleep(250);
  }
  show('webrtc', 'WebRTC');
  setInterval(async () => latency((await stats()).latency), 1000);
}

async function hls() {
  const src = '/live/' + name + '/index.m3u8' + location.search;
  const script = ${JSON.stringify(hlsScript)};
  if (script && !window.Hls) await new Promise((resolve, reject) => {
    const el = document.createElement('script'); el.src = script; el.onload = resolve; el.onerror = reject; document.head.append(el);
  });
  if (window.Hls && window.Hls.isSupported()) {
    const player = new window.Hls({ liveSyncDurationCount: 2 });
    player.loadSource(src);
    player.attachMedia(video);
    player.on(window.Hls.Events.MANIFEST_PARSED, () => video.play().catch(() => {}));
    setInterval(() => latency(player.latency), 1000);
  } else {
    video.src = src;
    setInterval(() => { if (video.seekable.length) latency(video.seekable.end(video.seekable.length - 1) - video.currentTime); }, 1000);
  }
  show('hls', 'HLS');
}

webrtc().catch((e) => { error('WebRTC: ' + e.message + ', using HLS'); return hls(); }).catch((e) => { show('failed', 'nothing'); error(String(e.message || e)); });
</script>
</body></html>
`;
}
