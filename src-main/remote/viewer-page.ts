/**
 * The remote-desktop viewer page (served at /remote, self-contained: no bundle, no outside requests).
 * The viewer types the pairing code; the page gets a token, offers WebRTC (video receive + an input
 * data channel), shows the display full-window with a stats overlay, and sends pointer, wheel and
 * keys (KeyboardEvent.code, down and up) as fractions of the picture. `window.remote` exposes the
 * state for automation.
 */
export function viewerPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Remote desktop · Streams Studio</title>
<style>
  html,body{margin:0;height:100%;background:#0b0d10;color:#e8eaed;font:14px system-ui,sans-serif}
  #pair{max-width:360px;margin:12vh auto;padding:24px;background:#161a1f;border-radius:10px}
  #pair input{font-size:28px;letter-spacing:6px;width:100%;box-sizing:border-box;padding:8px;margin:12px 0;text-align:center}
  #pair button{font-size:16px;padding:8px 16px}
  #err{color:#ff8a80;min-height:1.2em}
  #screen{display:none;position:fixed;inset:0}
  #screen video{width:100%;height:100%;object-fit:contain;background:#000;cursor:default;outline:none}
  #stats{position:fixed;top:8px;right:8px;background:#000a;padding:6px 10px;border-radius:6px;font:12px ui-monospace,monospace;white-space:pre}
  #bar{position:fixed;bottom:8px;left:8px;display:flex;gap:6px;opacity:.85}
  #banner{position:fixed;top:40%;width:100%;text-align:center;font-size:22px;display:none}
</style></head>
<body>
<form id="pair"><h2>Remote desktop</h2><label for="code">Pairing code shown on the host</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required>
<button id="connect" type="submit">Connect</button><p id="err"></p></form>
<div id="screen"><video id="video" tabindex="0" autoplay playsinline muted></video>
<div id="stats"></div>
<div id="bar"><input id="text" placeholder="Type text on the host"><button id="send" type="button">Send text</button>
<button id="leave" type="button">Disconnect</button></div></div>
<div id="banner"></div>
<script>
(() => {
  const $ = (id) => document.getElementById(id);
  const state = { phase: 'pairing', width: 0, height: 0, permission: null, errors: [], received: [], endedAt: null, fps: 0, kbps: 0, frames: 0 };
  window.remote = state;
  let pc, dc, token, location_, ping;
  const send = (m) => { if (dc && dc.readyState === 'open') dc.send(JSON.stringify(m)); };
  const banner = (text) => { $('banner').textContent = text; $('banner').style.display = 'block'; };

  $('pair').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('err').textContent = '';
    try {
      const res = await fetch('/remote/pair', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: $('code').value }) });
      const body = await res.json();
      if (!res.ok) throw new Error(body.error ? body.error.message : 'pairing failed');
      token = body.token; state.permission = body.permission; state.width = body.width; state.height = body.height;
      await connect();
    } catch (error) { $('err').textContent = error.message; state.errors.push(error.message); }
  });

  async function connect() {
    state.phase = 'connecting';
    pc = new RTCPeerConnection();
    pc.addTransceiver('video', { direction: 'recvonly' });
    dc = pc.createDataChannel('input', { ordered: true });
    dc.onmessage = (e) => {
      const m = JSON.parse(e.data);
      state.received.push(m.t);
      if (m.t === 'ended') end('Session ended by the host');
      else if (m.t === 'error') state.errors.push(m.code + ': ' + m.message);
      else if (m.t === 'hello') { state.width = m.width; state.height = m.height; }
    };
    dc.onclose = () => end('Disconnected');
    const ready = () => { if (pc.connectionState === 'connected' && dc.readyState === 'open' && state.phase === 'connecting') state.phase = 'connected'; };
    dc.onopen = () => { ping = setInterval(() => send({ t: 'ping' }), 500); ready(); };
    pc.ontrack = (e) => { $('video').srcObject = e.streams[0] || new MediaStream([e.track]); };
    pc.onconnectionstatechange = () => {
      ready();
      if (pc.connectionState === 'failed' || pc.connectionState === 'closed') end('Disconnected');
    };
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
      setTimeout(resolve, 2000);
    });
    const res = await fetch('/remote/viewers', { method: 'POST', headers: { 'content-type': 'application/sdp', authorization: 'Bearer ' + token }, body: pc.localDescription.sdp });
    if (!res.ok) { const body = await res.json(); throw new Error(body.error ? body.error.message : 'connection refused'); }
    location_ = res.headers.get('location');
    await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
    $('pair').style.display = 'none'; $('screen').style.display = 'block'; $('video').focus();
    setInterval(stats, 1000);
  }

  function end(text) {
    if (state.phase === 'ended') return;
    state.phase = 'ended'; state.endedAt = Date.now();
    clearInterval(ping);
    try { pc.close(); } catch (e) {}
    $('screen').style.display = 'none';
    banner(text);
  }

  let last = null;
  async function stats() {
    if (!pc || state.phase === 'ended') return;
    const report = await pc.getStats();
    report.forEach((s) => {
      if (s.type !== 'inbound-rtp' || s.kind !== 'video') return;
      if (last) {
        const dt = (s.timestamp - last.timestamp) / 1000;
        state.fps = Math.round((s.framesDecoded - last.framesDecoded) / dt);
        state.kbps = Math.round(((s.bytesReceived - last.bytesReceived) * 8) / dt / 1000);
      }
      state.frames = s.framesDecoded;
      state.jitterMs = s.jitterBufferEmittedCount ? Math.round((s.jitterBufferDelay / s.jitterBufferEmittedCount) * 1000) : 0;
      last = s;
    });
    const v = $('video');
    state.videoWidth = v.videoWidth; state.videoHeight = v.videoHeight;
    $('stats').textContent = v.videoWidth + 'x' + v.videoHeight + '  ' + state.fps + ' fps  ' + state.kbps + ' kb/s\\njitter buffer ' + (state.jitterMs || 0) + ' ms  ' + (state.permission === 'control' ? 'control' : 'view only');
  }

  // Pointer position as a fraction of the picture (object-fit: contain leaves bars around it).
  function at(e) {
    const v = $('video'); const r = v.getBoundingClientRect();
    const vw = v.videoWidth || state.width, vh = v.videoHeight || state.height;
    const scale = Math.min(r.width / vw, r.height / vh);
    const w = vw * scale, h = vh * scale, left = r.left + (r.width - w) / 2, top = r.top + (r.height - h) / 2;
    return { x: Math.min(1, Math.max(0, (e.clientX - left) / w)), y: Math.min(1, Math.max(0, (e.clientY - top) / h)) };
  }
  const video = $('video');
  video.addEventListener('pointermove', (e) => send({ t: 'move', ...at(e) }));
  video.addEventListener('pointerdown', (e) => { video.focus(); send({ t: 'button', button: e.button, down: true, ...at(e) }); e.preventDefault(); });
  video.addEventListener('pointerup', (e) => { send({ t: 'button', button: e.button, down: false, ...at(e) }); e.preventDefault(); });
  video.addEventListener('contextmenu', (e) => e.preventDefault());
  video.addEventListener('wheel', (e) => { send({ t: 'wheel', dx: Math.sign(e.deltaX), dy: Math.sign(e.deltaY) }); e.preventDefault(); }, { passive: false });
  const keys = (down) => (e) => {
    if (state.phase !== 'connected' || document.activeElement === $('text') || e.repeat) return;
    send({ t: 'key', code: e.code, down }); e.preventDefault();
  };
  document.addEventListener('keydown', keys(true));
  document.addEventListener('keyup', keys(false));
  $('send').addEventListener('click', () => { send({ t: 'text', text: $('text').value }); $('text').value = ''; });
  $('leave').addEventListener('click', () => {
    if (location_) fetch(location_, { method: 'DELETE', headers: { authorization: 'Bearer ' + token } });
    end('Disconnected');
  });
})();
</script></body></html>`;
}
