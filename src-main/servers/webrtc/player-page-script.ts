import { FAILOVER_FUNCTIONS, FAILOVER_RULE } from '../../../src-shared/edge-failover.js';
import { playerDataScript } from './player-data.js';
import { p2pPageScript, type PageP2p } from '../../protocols/p2p-page.js';
import { clampSeek, DVR_FUNCTIONS, dvrPosition, formatBehind, formatLatency, seekableSpan, timeAtFraction, wallClockLatencySec } from '../../../src-shared/dvr.js';

/** What the live page needs to share segments (protocols/p2p-page.ts), with its hold-back. */
export interface PlayerP2p extends PageP2p {
  /**
   * How many segments behind the live edge a P2P viewer plays (hls.js liveSyncDurationCount), or null
   * for a low-latency stream, whose playlist's PART-HOLD-BACK says.
   */
  liveSegments: number | null;
}

/** How often the page tells the host the latency it measures (viewer analytics keep the median). */
export const LATENCY_BEACON_MS = 10_000;

/**
 * The player page's script. An engine (WebRTC, hls.js or the browser's own HLS) answers four questions:
 * the DVR window (`dvr()`, null when there is none), where live is (`goLive()`), the latency it
 * measures (`latency()`: `wallClock` when read from the stream's PROGRAM-DATE-TIME or WebRTC stats,
 * i.e. glass to glass, worth reporting) and the viewer session id the host gave it (`sid()`).
 * The seek bar arithmetic is src-shared/dvr.ts, inlined so the page needs no bundle of its own.
 */
export function playerScript(name: string, hlsScript: string | null, p2p: Omit<PlayerP2p, 'coreModule'> | null = null): string {
  return `
const name = ${JSON.stringify(name)};
const P2P = ${JSON.stringify(p2p)};
${p2pPageScript()}
${DVR_FUNCTIONS.map(String).join('\n')}
const position = ${dvrPosition.name}, clamp = ${clampSeek.name}, timeAt = ${timeAtFraction.name}, behind = ${formatBehind.name};
const showLatency = ${formatLatency.name}, span = ${seekableSpan.name}, wallClock = ${wallClockLatencySec.name};
${FAILOVER_FUNCTIONS.map(String).join('\n')}
const RULE = ${JSON.stringify(FAILOVER_RULE)};

// ?via=hls skips WebRTC (to rewind), ?via=webrtc skips the edges, ?region= is the viewer's region for
// the edge order; every other parameter (a signed URL's token) goes on to the host.
const params = new URLSearchParams(location.search);
const via = params.get('via'), region = params.get('region');
params.delete('via');
params.delete('region');
// ?vod=<recording id>: the recording's VOD, with the stream's data shown again at its frames.
const vod = /^rec_[a-z0-9]{12}$/.test(params.get('vod') || '') ? params.get('vod') : null;
params.delete('vod');
const query = params.toString() ? '?' + params.toString() : '';
const originSource = { id: 'origin', hls: (vod ? '/vod/' + vod : '/live/' + name) + '/index.m3u8' + query };

const $ = (id) => document.getElementById(id);
const video = $('v'), bar = $('bar'), body = document.body;
const started = performance.now();
let engine = null;
let dragging = false;
const show = (mode, text) => { body.dataset.mode = mode; $('mode').textContent = text; };
const error = (text) => { $('err').textContent = text; };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ms = () => performance.now();
${playerDataScript()}
const sidOf = (url) => { try { return new URL(url, location.href).searchParams.get('sid'); } catch { return null; } };
const beacon = (report) => fetch('/live/' + name + '/beacon' + query, {
  method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(report), keepalive: true,
}).catch(() => {});

async function webrtc() {
  if (via === 'hls' || vod) throw new Error('HLS asked for');
  const pc = new RTCPeerConnection();
  const framePdt = dataFromWebRtc(pc);
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
  const res = await fetch('/live/' + name + '/whep' + query, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp });
  if (res.status !== 201) {
    pc.close();
    let why = 'HTTP ' + res.status;
    try { why = (await res.json()).error.code; } catch {}
    throw new Error(why);
  }
  const where = new URL(res.headers.get('Location'), location.href);
  await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
  addEventListener('pagehide', () => fetch(where.href, { method: 'DELETE', keepalive: true }));
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
    if (i === 39 || pc.connectionState === 'failed') { pc.close(); fetch(where.href, { method: 'DELETE' }); throw new Error('no video over WebRTC'); }
    await sleep(250);
  }
  let latency = null;
  setInterval(async () => { latency = (await stats()).latency; }, 1000);
  show('webrtc', 'WebRTC');
  // The host counts a WHEP viewer as "w" + the session id of its Location.
  const sid = 'w' + where.pathname.split('/').pop();
  return { dvr: () => null, goLive: () => {}, latency: () => (latency == null ? null : { sec: latency, wallClock: true }), sid: () => sid, framePdt };
}

/** The host's playback order for this viewer (edges, the origin last), or null when it has no edges. */
async function playbackOrder() {
  // Only what the method takes: a private stream's signature and the region.
  const q = new URLSearchParams();
  for (const key of ['exp', 'sig', 'ip']) if (params.has(key)) q.set(key, params.get(key));
  if (region) q.set('region', region);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 2000);
  try {
    const res = await fetch('/api/v1/cdn/streams/' + name + '/playback?' + q, { cache: 'no-store', signal: controller.signal });
    if (!res.ok) return null;
    const order = await res.json();
    return order.edges.map((e) => ({ id: e.id, hls: e.hls, match: e.regionMatch }));
  } catch { return null; } finally { clearTimeout(timer); }
}

/** Time to fetch a master playlist, ms; null when it failed or took longer than the rule allows. */
async function timeMaster(url) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), RULE.measureTimeoutMs);
  const t0 = ms();
  try {
    const res = await fetch(url, { cache: 'no-store', signal: controller.signal });
    await res.text();
    return res.ok ? ms() - t0 : null;
  } catch { return null; } finally { clearTimeout(timer); }
}

/** The edges to play from, the fastest of the leading ones (measured) first; null: no edges, use the host. */
async function edgeRoute() {
  const edges = await playbackOrder();
  if (!edges || edges.length === 0) return null;
  const n = measureSet(edges.map((e) => e.match), RULE.measureCount);
  const times = await Promise.all(edges.slice(0, n).map((e) => timeMaster(e.hls)));
  window.edgeMeasures = edges.slice(0, n).map((e, i) => ({ id: e.id, ms: times[i] }));
  return afterMeasuring(edges, times);
}

async function loadHlsJs() {
  const script = ${JSON.stringify(hlsScript)};
  if (!script || window.Hls) return;
  await new Promise((resolve, reject) => {
    const el = document.createElement('script'); el.src = script; el.onload = resolve; el.onerror = reject; document.head.append(el);
  });
}

/** How many viewers of a swarm fetch a new live segment over HTTP, on average (below). */
const SEEDERS = 2;
/**
 * P2P segments (the stream allows it, P2P non-null): hls.js with p2p-media-loader's engine, which asks
 * peers for segments behind the live edge and HTTP for the rest (protocols/p2p-page.ts). The tracker is
 * the one of the server the segments come from (an edge passes it to the origin's: one swarm).
 */
function p2pConfig(src) {
  return {
    // What is due within the next segment (P2P.urgentSec) always comes over HTTP, whoever has
    // it; further ahead, a segment a peer holds comes from that peer, and one nobody holds yet is
    // fetched over HTTP by a seeder (below) or a viewer the library picks at random, then shared.
    // Alone (no peer in a swarm yet), whatever hls.js asks for comes over HTTP at once, as without P2P.
    core: p2pCoreConfig(P2P, name, new URL(P2P.tracker + query, new URL(src, location.href)).href),
    onHlsJsCreated(player) {
      const { p2p, peersOf, tune } = shareSegments(player, P2P);
      // Seeders: the library's own pick of a viewer to fetch a new segment over HTTP runs every 1 to
      // 1 + peers seconds, too slowly for a live segment due a second and a half after it is listed. So
      // when the playlist lists a new segment, each viewer fetches it over HTTP at once with a chance of
      // SEEDERS in (peers + 1): for a moment, everything it has asked for is urgent. The others take it
      // from them in the time before it is due. A viewer that rewound far behind live seeds nothing.
      const Events = window.Hls.Events;
      let newest = -1, seeding = 0;
      player.on(Events.LEVEL_UPDATED, (_event, data) => {
        const details = data.details;
        if (!details.live || details.endSN <= newest) return;
        const first = newest < 0;
        newest = details.endSN;
        const last = details.fragments[details.fragments.length - 1];
        if (first || peersOf.main === 0 || !last || last.start - video.currentTime > P2P.aheadSec) return;
        if (Math.random() >= SEEDERS / (peersOf.main + 1)) return;
        p2pStats.seeded += 1;
        p2p.applyDynamicConfig({ core: { mainStream: { highDemandTimeWindow: P2P.aheadSec }, secondaryStream: { highDemandTimeWindow: P2P.aheadSec } } });
        clearTimeout(seeding);
        seeding = setTimeout(() => { tune('main'); tune('secondary'); }, 600);
      });
    },
  };
}

/** Over HLS, from the host or (route given) from the edges in the route's order, moving on by the failover rule. */
async function hls(route) {
  const src = route ? route[0].hls : originSource.hls;
  await loadHlsJs();
  show('hls', 'HLS');
  if (!window.Hls || !window.Hls.isSupported()) return nativeHls(src);
  const Hls = window.Hls;
  // lowLatencyMode: parts, blocking reloads and the playlist's PART-HOLD-BACK. A liveSync* option given
  // here would override that hold-back, so the closer start for playlists that declare none (2 segments
  // behind, not 3) goes on the merged config, which hls.js reads only when the playlist names no hold-back.
  // The first playlist may not exist yet in the seconds after a publish starts: retry it a while.
  const retry = { maxNumRetry: 8, retryDelayMs: 1000, maxRetryDelayMs: 3000 };
  const Player = await withP2p(Hls, P2P);
  const player = new Player({
    lowLatencyMode: true,
    maxLiveSyncPlaybackRate: 1.1,
    manifestLoadPolicy: { default: { maxTimeToFirstByteMs: 10000, maxLoadTimeMs: 20000, timeoutRetry: retry, errorRetry: retry } },
    // With P2P, hls.js demuxes on the page's thread: its worker would be handed (transferred) the very
    // ArrayBuffer the segment store keeps for peers, which would then send them an empty segment.
    // Their hold-back goes in the user config: p2p-media-loader sets its own (as far back as the playlist
    // reaches, up to two minutes, growing with a young stream's playlist) where the page gave none.
    ...(Player !== Hls ? { p2p: p2pConfig(src), enableWorker: false, ...(P2P.liveSegments ? { liveSyncDurationCount: P2P.liveSegments } : {}) } : {}),
  });
  if (Player === Hls) player.config.liveSyncDurationCount = 2;
  player.on(Hls.Events.MANIFEST_PARSED, () => video.play().catch(() => {}));
  const failover = route ? edgeFailover(player, route) : null;
  // A stream whose packager is still starting answers 404: load it again until it plays.
  player.on(Hls.Events.ERROR, (_event, data) => {
    if (failover && data.type === Hls.ErrorTypes.NETWORK_ERROR) return failover.networkError(data);
    if (!data.fatal) return;
    error('HLS: ' + data.details + ', retrying…');
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR) player.recoverMediaError();
    else setTimeout(() => player.loadSource(src), 2000);
  });
  player.on(Hls.Events.FRAG_BUFFERED, () => { if (!failover || !failover.moving()) error(''); });
  player.attachMedia(video);
  dataFromHls(player, Hls);
  if (failover) failover.start();
  else player.loadSource(src);
  return {
    dvr() {
      const seekable = span(video.seekable), live = player.liveSyncPosition, details = player.latestLevelDetails;
      if (!seekable || live == null || !details || !details.live) return null;
      return { start: seekable.start, live: Math.min(live, seekable.end), stepSec: details.partTarget || details.targetduration || 2 };
    },
    goLive() { if (player.liveSyncPosition != null) video.currentTime = player.liveSyncPosition; },
    latency() {
      const date = player.playingDate;
      const sec = wallClock(Date.now(), date ? date.getTime() : null);
      if (sec != null) return { sec, wallClock: true };
      return player.latency > 0 ? { sec: player.latency, wallClock: false } : null;
    },
    sid: () => (player.levels[0] ? sidOf(player.levels[0].uri) : null),
    framePdt(meta) { const d = player.latestLevelDetails; return d ? pdtOfFragments(d.fragments, meta.mediaTime) : null; },
  };
}

/**
 * Plays from the route's sources (edges, then the origin) with one hls.js player: on a fatal network
 * error, repeated network errors or a stall (src-shared/edge-failover.ts) it fetches the order again
 * and loads the next source, keeping the page and the player; the live edge is where it resumes. It
 * also asks the order again every 20-30 s and leaves an edge that was drained (no longer listed).
 * body[data-edge] and window.edgeSwitches say where it plays and where it moved, for people and tests.
 */
function edgeFailover(player, route) {
  let sources = [...route, originSource];
  const failedAt = {};
  let current = null, moving = false, lastTime = -1;
  window.edgeSwitches = [];
  const use = (source, why) => {
    current = { source, fatal: false, errorsAt: [], started: false, progressAt: ms() };
    lastTime = video.currentTime;
    body.dataset.edge = source.id;
    // Edge ids read "edge-…" already; a named one (an operator's id) gets the word.
    show('hls', source.id === 'origin' ? 'HLS' : /^edge/i.test(source.id) ? source.id : 'edge ' + source.id);
    window.edgeSwitches.push({ id: source.id, at: Date.now(), why: why || null });
    player.loadSource(source.hls);
  };
  const moveOn = async (reason) => {
    moving = true;
    const left = current.source.id;
    failedAt[left] = ms();
    const fresh = await playbackOrder();
    if (fresh) sources = [...fresh, originSource];
    const next = sources[nextSource(sources.map((s) => s.id), failedAt, ms(), RULE.cooldownMs)];
    error((left === 'origin' ? 'origin' : 'edge ' + left) + ': ' + reason + '; now ' + (next.id === 'origin' ? 'the origin' : 'edge ' + next.id));
    use(next, left + ': ' + reason);
    moving = false;
  };
  // A drained edge (the order no longer lists it) is left before it goes away, without counting a failure.
  const recheck = async () => {
    if (current && !moving && current.source.id !== 'origin') {
      const fresh = await playbackOrder();
      if (fresh && current && !moving && leftOrder(current.source.id, fresh.map((s) => s.id))) {
        const left = current.source.id;
        sources = [...fresh, originSource];
        const next = sources[nextSource(sources.map((s) => s.id), failedAt, ms(), RULE.cooldownMs)];
        use(next, left + ': left the playback order');
      }
    }
    setTimeout(recheck, RULE.recheckMs + Math.random() * RULE.recheckJitterMs);
  };
  setTimeout(recheck, RULE.recheckMs + Math.random() * RULE.recheckJitterMs);
  setInterval(() => {
    if (!current || moving) return;
    if (video.currentTime !== lastTime && !video.paused) {
      lastTime = video.currentTime;
      current.started = true;
      current.progressAt = ms();
    }
    // Autoplay the browser holds back is no stall either: network errors still move on.
    const reason = moveOnReason({ ...current, wantsPlay: !pausedByViewer && !video.paused }, ms(), RULE);
    if (reason) moveOn(reason);
  }, 250);
  return {
    start: () => use(sources[0]),
    moving: () => moving,
    networkError(data) {
      if (!current || moving) return;
      // A request still in flight from the source left behind says nothing about this one.
      const url = (data.context && data.context.url) || data.url;
      if (url && new URL(url, location.href).origin !== new URL(current.source.hls, location.href).origin) return;
      if (!isLoadFailure(data.details)) {
        // It answered, early (a stream starting lists no segment yet): load it again, as without edges.
        if (data.fatal) setTimeout(() => current && !moving && use(current.source, 'reload'), 2000);
        return;
      }
      if (data.fatal) current.fatal = true;
      else current.errorsAt.push(ms());
      console.warn('edge ' + current.source.id + ': ' + data.details + (data.response ? ' ' + data.response.code : '') + ' ' + ((data.context && data.context.url) || data.url || ''));
    },
  };
}

/** Safari plays HLS itself: the window is the element's seekable range, the wall clock its getStartDate(). */
function nativeHls(src) {
  video.src = src;
  video.play().catch(() => {});
  return {
    dvr() { const s = span(video.seekable); return s ? { start: s.start, live: s.end, stepSec: 2 } : null; },
    goLive() { const s = span(video.seekable); if (s) video.currentTime = s.end; },
    latency() {
      const start = video.getStartDate ? video.getStartDate().getTime() : NaN;
      const sec = wallClock(Date.now(), start + video.currentTime * 1000);
      if (sec != null) return { sec, wallClock: true };
      const s = span(video.seekable);
      return s ? { sec: s.end - video.currentTime, wallClock: false } : null;
    },
    sid: () => null,
  };
}

function render() {
  const dvr = engine && engine.dvr();
  const at = dvr ? position(dvr, video.currentTime) : null;
  const atLive = !at || at.atLive;
  body.dataset.dvr = at && at.seekable ? 'yes' : 'no';
  body.dataset.live = atLive ? 'yes' : 'no';
  body.dataset.behindSec = at ? String(Math.round(at.behindSec)) : '0';
  $('live').title = atLive ? 'Playing live' : 'Jump to live (End)';
  $('play').dataset.state = video.paused ? 'paused' : 'playing';
  $('mute').dataset.state = video.muted ? 'muted' : 'sound';
  if (at && at.seekable) {
    const fraction = dragging ? Number(bar.value) / 1000 : at.fraction;
    if (!dragging) bar.value = String(Math.round(fraction * 1000));
    bar.style.setProperty('--fill', (fraction * 100).toFixed(2) + '%');
    bar.setAttribute('aria-valuetext', atLive && !dragging ? 'live' : behind(at.spanSec * (1 - fraction)) + ' behind live');
    $('from').textContent = behind(at.spanSec);
    $('pos').textContent = dragging ? behind(at.spanSec * (1 - fraction)) : atLive ? 'live' : behind(at.behindSec);
  }
  // The share from peers, once there is something to say: a viewer alone sees nothing about it.
  const shared = p2pLine();
  if (shared) {
    $('p2pinfo').hidden = false;
    $('p2p').textContent = shared;
  }
  const latency = engine && engine.latency();
  if (latency && atLive) {
    body.dataset.latencyMs = String(Math.round(latency.sec * 1000));
    $('lat').textContent = showLatency(latency.sec);
  } else {
    // Rewound, the distance to live is the position label; latency is what live viewers get.
    $('lat').textContent = '—';
  }
}

function seekBy(sec) {
  const dvr = engine && engine.dvr();
  if (dvr) video.currentTime = clamp(dvr, video.currentTime + sec);
}
function goLive() {
  pausedByViewer = false;
  if (engine) engine.goLive();
  video.play().catch(() => {});
}
// Paused by the viewer: not a stall.
let pausedByViewer = false;
const togglePlay = () => {
  pausedByViewer = !video.paused;
  return video.paused ? video.play().catch(() => {}) : video.pause();
};
const toggleFullscreen = () => (document.fullscreenElement ? document.exitFullscreen() : $('stage').requestFullscreen()).catch(() => {});

bar.addEventListener('input', () => { dragging = true; render(); });
bar.addEventListener('change', () => {
  const dvr = engine && engine.dvr();
  if (dvr) video.currentTime = timeAt(dvr, Number(bar.value) / 1000);
  dragging = false;
});
bar.addEventListener('pointermove', (e) => {
  const dvr = engine && engine.dvr();
  if (!dvr) return;
  const box = bar.getBoundingClientRect();
  const fraction = Math.min(1, Math.max(0, (e.clientX - box.left) / box.width));
  const tip = $('tip');
  tip.textContent = fraction > 0.995 ? 'live' : behind(position(dvr, 0).spanSec * (1 - fraction));
  tip.style.left = (fraction * 100).toFixed(2) + '%';
});
$('live').addEventListener('click', goLive);
$('play').addEventListener('click', togglePlay);
$('mute').addEventListener('click', () => { video.muted = !video.muted; render(); });
$('fs').addEventListener('click', toggleFullscreen);
video.addEventListener('click', togglePlay);
addEventListener('keydown', (e) => {
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  const keys = { ArrowLeft: () => seekBy(-10), ArrowRight: () => seekBy(10), End: goLive, ' ': togglePlay, k: togglePlay, m: () => $('mute').click(), f: toggleFullscreen };
  const act = keys[e.key];
  if (!act || (e.key === ' ' && e.target instanceof HTMLButtonElement)) return;
  e.preventDefault();
  act();
  render();
});
// Startup is the HLS/DASH figure (one median for both); WebRTC reports only its latency.
video.addEventListener('playing', () => {
  const sid = engine && engine.sid();
  if (sid && body.dataset.mode !== 'webrtc') beacon({ sid, startupMs: Math.round(performance.now() - started), ...(body.dataset.edge ? { edge: body.dataset.edge } : {}) });
}, { once: true });
// Latency is worth reporting only at live and read from a clock: a rewound viewer is not late.
setInterval(() => {
  const latency = engine && engine.latency(), sid = engine && engine.sid();
  if (latency && latency.wallClock && sid && body.dataset.live === 'yes' && !video.paused) beacon({ sid, latencyMs: Math.round(latency.sec * 1000) });
  // What this viewer's segments came over, so far (the host keeps the newest figure per viewer).
  if (sid && body.dataset.p2p === 'on') beacon({ sid, p2pBytes: p2pStats.p2pBytes, httpBytes: p2pStats.httpBytes });
}, ${LATENCY_BEACON_MS});
setInterval(render, 250);
['play', 'pause', 'volumechange', 'seeked'].forEach((type) => video.addEventListener(type, render));

// A stream with edges plays through them (they carry the viewers; WebRTC is the host's own uplink).
(via === 'webrtc' || vod ? Promise.resolve(null) : edgeRoute())
  .then((route) => route ? hls(route) : webrtc().catch((e) => { if (via !== 'hls') error('WebRTC: ' + e.message + ', using HLS'); return hls(null); }))
  .then((created) => { engine = created; render(); dataFrames(); })
  .catch((e) => { show('failed', 'nothing'); error(String(e.message || e)); });
`;
}
