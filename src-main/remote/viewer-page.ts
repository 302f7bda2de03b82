import { QUALITY_LEVEL_NAMES as LEVEL_NAMES } from '../../src-shared/contract/index.js';

/**
 * The remote-desktop viewer page (served at /remote, self-contained: no bundle, no outside requests).
 * The viewer types the pairing code; the page gets a token, offers WebRTC (video and sound received,
 * an input data channel), shows the display full-window, and sends pointer (absolute, or relative
 * under pointer lock), wheel, keys (KeyboardEvent.code, down and up), typed text and clipboard text.
 * A stats overlay shows size, frame rate, bitrate, loss, round trip and the estimated latency; the
 * quality menu chooses a level or leaves it to the host's adaptation. `window.remote` exposes the
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
  button,select{font:13px system-ui,sans-serif;padding:5px 10px;border-radius:6px;border:1px solid #3a414b;background:#1f252d;color:#e8eaed;cursor:pointer}
  button[aria-pressed=true]{background:#2f6fdf;border-color:#2f6fdf}
  #err{color:#ff8a80;min-height:1.2em}
  #screen{display:none;position:fixed;inset:0}
  #screen video{width:100%;height:100%;object-fit:contain;background:#000;cursor:default;outline:none}
  #stats{position:fixed;top:8px;right:8px;background:#000b;padding:6px 10px;border-radius:6px;font:12px ui-monospace,monospace;white-space:pre;pointer-events:none}
  #bar{position:fixed;bottom:8px;left:8px;right:8px;display:flex;flex-wrap:wrap;gap:6px;align-items:center;opacity:.9}
  #bar input{padding:5px 8px;border-radius:6px;border:1px solid #3a414b;background:#0f1318;color:#e8eaed;min-width:12em}
  #clip{display:none;position:fixed;bottom:52px;left:8px;width:min(420px,90vw);background:#161a1f;border:1px solid #3a414b;border-radius:8px;padding:10px}
  #clip textarea{width:100%;box-sizing:border-box;height:90px;background:#0f1318;color:#e8eaed;border:1px solid #3a414b;border-radius:6px;font:12px ui-monospace,monospace}
  #clip p{margin:4px 0;color:#9aa4b1;font-size:12px}
  #hint{position:fixed;top:8px;left:50%;transform:translateX(-50%);background:#000b;padding:4px 10px;border-radius:6px;display:none}
  #banner{position:fixed;top:40%;width:100%;text-align:center;font-size:22px;display:none}
  #cursor{position:fixed;pointer-events:none;display:none;z-index:1}
</style></head>
<body>
<form id="pair"><h2>Remote desktop</h2><label for="code">Pairing code shown on the host</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required>
<button id="connect" type="submit">Connect</button><p id="err"></p></form>
<div id="screen"><video id="video" tabindex="0" autoplay playsinline muted></video><audio id="sound" autoplay></audio><img id="cursor" alt="">
<div id="stats"></div><div id="hint">Pointer locked: press Esc to release it</div>
<div id="clip"><p>Clipboard of the host display. Copy from here, or paste text and send it.</p>
<textarea id="cliptext" spellcheck="false"></textarea><button id="clipsend" type="button">Send to host clipboard</button></div>
<div id="bar"><label>Quality <select id="quality"><option value="auto">Auto</option>${LEVEL_NAMES.map((n, i) => `<option value="${i}">${n}</option>`).join('')}</select></label>
<button id="lock" type="button" aria-pressed="false">Lock pointer</button>
<button id="clipbtn" type="button" aria-pressed="false">Clipboard</button>
<input id="text" placeholder="Type text on the host"><button id="send" type="button">Send text</button>
<button id="full" type="button">Full screen</button><button id="leave" type="button">Disconnect</button></div></div>
<div id="banner"></div>
<script>
(() => {
  const $ = (id) => document.getElementById(id);
  const NL = String.fromCharCode(10);
  const LEVELS = ${JSON.stringify(LEVEL_NAMES)};
  const state = { phase: 'pairing', width: 0, height: 0, permission: null, errors: [], received: [], endedAt: null,
    fps: 0, kbps: 0, frames: 0, lossPct: 0, rttMs: null, latencyMs: null, audio: false, audioBytes: 0, audioEnergy: 0, audioCodec: null,
    clipboard: null, clipboardSent: null, quality: null, pointerLocked: false, capture: 'running',
    cursor: null, cursorShape: null };
  window.remote = state;
  let pc, dc, token, location_, ping, statsTimer;
  const send = (m) => { if (dc && dc.readyState === 'open') dc.send(JSON.stringify(m)); };
  const banner = (text) => { $('banner').textContent = text; $('banner').style.display = 'block'; };
  // Key events go out in order, after any clipboard text a paste needs.
  let outbox = Promise.resolve();
  const queue = (fn) => { outbox = outbox.then(fn).catch(() => {}); };

  // /remote?session=<id>&jwt=<token>: a platform's link pairs at once, without a code.
  const linked = new URLSearchParams(location.search);
  const pair = async (request) => {
    $('err').textContent = '';
    try {
      const res = await fetch('/remote/pair', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
      const body = await res.json();
      if (!res.ok) throw new Error(body.error ? body.error.message : 'pairing failed');
      token = body.token; state.permission = body.permission; state.width = body.width; state.height = body.height;
      await connect();
    } catch (error) { $('err').textContent = error.message; state.errors.push(error.message); }
  };
  $('pair').addEventListener('submit', (e) => { e.preventDefault(); void pair({ code: $('code').value }); });
  if (linked.get('jwt') && linked.get('session')) {
    const body = { jwt: linked.get('jwt'), session: linked.get('session') };
    history.replaceState(null, '', '/remote');
    void pair(body);
  }

  function onMessage(m) {
    state.received.push(m.t);
    if (m.t === 'ended') end('Session ended by the host');
    else if (m.t === 'error') state.errors.push(m.code + ': ' + m.message);
    else if (m.t === 'hello') { state.width = m.width; state.height = m.height; state.audio = m.audio; state.clipboardShared = m.clipboard; }
    else if (m.t === 'quality') { state.quality = m; $('quality').value = String(m.choice); }
    else if (m.t === 'cursor-image') void cursorImage(m);
    else if (m.t === 'cursor') { state.cursor = { visible: m.visible, x: m.x, y: m.y }; drawCursor(); }
    else if (m.t === 'capture') {
      // The host lost its capture of this display (a Wayland desktop or PipeWire went away): the picture
      // holds until it is back, and the banner says why.
      state.capture = m.state;
      if (m.state === 'lost') { state.errors.push(m.code + ': ' + m.message); banner('The host stopped capturing this display: ' + m.message + '. Waiting for it to come back…'); }
      else if (state.phase === 'connected') $('banner').style.display = 'none';
    }
    else if (m.t === 'clipboard') {
      state.clipboard = m.text; state.clipboardSent = m.text; $('cliptext').value = m.text;
      if (navigator.clipboard && document.hasFocus()) navigator.clipboard.writeText(m.text).catch(() => {});
    }
  }

  async function connect() {
    state.phase = 'connecting';
    pc = new RTCPeerConnection();
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    dc = pc.createDataChannel('input', { ordered: true });
    dc.onmessage = (e) => onMessage(JSON.parse(e.data));
    dc.onclose = () => end('Disconnected');
    const ready = () => { if (pc.connectionState === 'connected' && dc.readyState === 'open' && state.phase === 'connecting') state.phase = 'connected'; };
    dc.onopen = () => { ping = setInterval(() => send({ t: 'ping' }), 500); ready(); };
    pc.ontrack = (e) => {
      const el = e.track.kind === 'audio' ? $('sound') : $('video');
      el.srcObject = new MediaStream([e.track]);
      el.play().catch(() => {});
    };
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
    if (state.permission !== 'control') for (const id of ['lock', 'clipbtn', 'text', 'send']) $(id).disabled = true;
    statsTimer = setInterval(stats, 1000);
  }

  function end(text) {
    if (state.phase === 'ended') return;
    state.phase = 'ended'; state.endedAt = Date.now();
    clearInterval(ping); clearInterval(statsTimer);
    if (document.pointerLockElement) document.exitPointerLock();
    try { pc.close(); } catch (e) {}
    $('screen').style.display = 'none';
    banner(text);
  }

  let last = null;
  async function stats() {
    if (!pc || state.phase === 'ended') return;
    const report = await pc.getStats();
    let video = null;
    report.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') video = s;
      if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        state.audioBytes = s.bytesReceived; state.audioEnergy = s.totalAudioEnergy || 0;
        const codec = s.codecId && report.get(s.codecId); state.audioCodec = codec ? codec.mimeType : null;
      }
      if (s.type === 'candidate-pair' && s.nominated && s.currentRoundTripTime !== undefined) state.rttMs = Math.round(s.currentRoundTripTime * 1000);
    });
    if (video && last) {
      const dt = (video.timestamp - last.timestamp) / 1000;
      const frames = video.framesDecoded - last.framesDecoded;
      const emitted = video.jitterBufferEmittedCount - last.jitterBufferEmittedCount;
      const lost = video.packetsLost - last.packetsLost, got = video.packetsReceived - last.packetsReceived;
      state.fps = Math.round(frames / dt);
      state.kbps = Math.round(((video.bytesReceived - last.bytesReceived) * 8) / dt / 1000);
      state.lossPct = lost + got > 0 ? Math.round((1000 * Math.max(0, lost)) / (lost + got)) / 10 : 0;
      state.bufferMs = emitted > 0 ? Math.round(((video.jitterBufferDelay - last.jitterBufferDelay) / emitted) * 1000) : 0;
      state.decodeMs = frames > 0 ? Math.round(((video.totalDecodeTime - last.totalDecodeTime) / frames) * 1000) : 0;
      // Host to glass, less capture and encode: half the round trip, the jitter buffer, decoding.
      state.latencyMs = Math.round((state.rttMs || 0) / 2 + state.bufferMs + state.decodeMs);
    }
    if (video) { state.frames = video.framesDecoded; last = video; }
    const v = $('video');
    state.videoWidth = v.videoWidth; state.videoHeight = v.videoHeight;
    const q = state.quality;
    const level = q ? LEVELS[q.level] + (q.choice === 'auto' ? ' (auto)' : '') : '';
    $('stats').textContent = v.videoWidth + 'x' + v.videoHeight + '  ' + state.fps + ' fps  ' + state.kbps + ' kb/s  loss ' + state.lossPct + '%' + NL +
      'latency ~' + (state.latencyMs ?? '-') + ' ms (rtt ' + (state.rttMs ?? '-') + ', buffer ' + (state.bufferMs ?? '-') + ', decode ' + (state.decodeMs ?? '-') + ')' + NL +
      'quality ' + level + '  ' + (state.permission === 'control' ? 'control' : 'view only') + (state.audio ? '  sound' : '');
  }

  // A Wayland desktop's pointer comes as its image and positions, not in the picture: drawn here at the
  // host's position. A control viewer's own pointer over the picture takes the host's image instead
  // (no lag), and the drawn one hides while it is there.
  let shape = null;
  async function cursorImage(m) {
    const bytes = Uint8Array.from(atob(m.data), (c) => c.charCodeAt(0));
    const rgba = new Uint8ClampedArray(await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'))).arrayBuffer());
    const canvas = document.createElement('canvas');
    canvas.width = m.width; canvas.height = m.height;
    canvas.getContext('2d').putImageData(new ImageData(rgba, m.width, m.height), 0, 0);
    const url = canvas.toDataURL('image/png');
    shape = { url, hotX: m.hotX, hotY: m.hotY };
    state.cursorShape = { width: m.width, height: m.height, hotX: m.hotX, hotY: m.hotY };
    $('cursor').src = url;
    if (state.permission === 'control') video.style.cursor = 'url(' + url + ') ' + m.hotX + ' ' + m.hotY + ', default';
    drawCursor();
  }
  function drawCursor() {
    const c = state.cursor, el = $('cursor');
    const own = state.permission === 'control' && video.matches(':hover') && !state.pointerLocked;
    if (!c || !c.visible || !shape || own) { el.style.display = 'none'; return; }
    const b = box();
    el.style.left = (b.left + c.x * b.w - shape.hotX) + 'px';
    el.style.top = (b.top + c.y * b.h - shape.hotY) + 'px';
    el.style.display = 'block';
  }
  window.addEventListener('resize', drawCursor);

  // Pointer position as a fraction of the picture (object-fit: contain leaves bars around it).
  const video = $('video');
  function box() {
    const r = video.getBoundingClientRect();
    const vw = video.videoWidth || state.width, vh = video.videoHeight || state.height;
    const scale = Math.min(r.width / vw, r.height / vh);
    const w = vw * scale, h = vh * scale;
    return { left: r.left + (r.width - w) / 2, top: r.top + (r.height - h) / 2, w, h };
  }
  const clamp = (n) => Math.min(1, Math.max(0, n));
  const locked = { x: 0.5, y: 0.5 };
  function at(e) {
    if (document.pointerLockElement === video) {
      const b = box();
      if (e.type === 'pointermove') { locked.x = clamp(locked.x + e.movementX / b.w); locked.y = clamp(locked.y + e.movementY / b.h); }
      return { x: locked.x, y: locked.y };
    }
    const b = box();
    return { x: clamp((e.clientX - b.left) / b.w), y: clamp((e.clientY - b.top) / b.h) };
  }
  video.addEventListener('pointermove', (e) => send({ t: 'move', ...at(e) }));
  video.addEventListener('pointerdown', (e) => { video.focus(); send({ t: 'button', button: e.button, down: true, ...at(e) }); e.preventDefault(); });
  video.addEventListener('pointerup', (e) => { send({ t: 'button', button: e.button, down: false, ...at(e) }); e.preventDefault(); });
  video.addEventListener('contextmenu', (e) => e.preventDefault());
  video.addEventListener('wheel', (e) => { send({ t: 'wheel', dx: Math.sign(e.deltaX), dy: Math.sign(e.deltaY) }); e.preventDefault(); }, { passive: false });

  // The viewer's clipboard goes to the host before a paste shortcut, and when the page regains focus.
  async function syncClipboard() {
    if (state.permission !== 'control' || !navigator.clipboard) return;
    const text = await navigator.clipboard.readText().catch(() => null);
    if (typeof text === 'string' && text !== '' && text !== state.clipboardSent) { state.clipboardSent = text; send({ t: 'clipboard', text }); }
  }
  window.addEventListener('focus', () => queue(syncClipboard));
  const typing = () => [$('text'), $('cliptext'), $('quality')].includes(document.activeElement);
  const keys = (down) => (e) => {
    if (state.phase !== 'connected' || typing() || e.repeat) return;
    e.preventDefault();
    const paste = down && e.code === 'KeyV' && (e.ctrlKey || e.metaKey);
    queue(async () => { if (paste) await syncClipboard(); send({ t: 'key', code: e.code, down }); });
  };
  document.addEventListener('keydown', keys(true));
  document.addEventListener('keyup', keys(false));

  $('send').addEventListener('click', () => { send({ t: 'text', text: $('text').value }); $('text').value = ''; });
  $('quality').addEventListener('change', (e) => { const v = e.target.value; send({ t: 'quality', level: v === 'auto' ? 'auto' : Number(v) }); video.focus(); });
  $('lock').addEventListener('click', () => { locked.x = 0.5; locked.y = 0.5; video.requestPointerLock(); });
  document.addEventListener('pointerlockchange', () => {
    state.pointerLocked = document.pointerLockElement === video;
    $('lock').setAttribute('aria-pressed', String(state.pointerLocked));
    $('hint').style.display = state.pointerLocked ? 'block' : 'none';
  });
  $('clipbtn').addEventListener('click', () => {
    const open = $('clip').style.display !== 'block';
    $('clip').style.display = open ? 'block' : 'none';
    $('clipbtn').setAttribute('aria-pressed', String(open));
  });
  $('clipsend').addEventListener('click', () => { const text = $('cliptext').value; state.clipboardSent = text; send({ t: 'clipboard', text }); });
  $('full').addEventListener('click', () => document.fullscreenElement ? document.exitFullscreen() : document.documentElement.requestFullscreen().catch(() => {}));
  $('leave').addEventListener('click', () => {
    if (location_) fetch(location_, { method: 'DELETE', headers: { authorization: 'Bearer ' + token } });
    end('Disconnected');
  });
})();
</script></body></html>`;
}
