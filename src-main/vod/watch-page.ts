import { formatClock } from '../../src-shared/dvr.js';
import { VOD_CUE_FUNCTIONS } from '../../src-shared/vod-cues.js';
import { chatPanel, type ChatPanelOptions } from '../data/chat/chat-panel.js';
import { p2pHead, p2pPageScript, type PageP2p } from '../protocols/p2p-page.js';

/** What the watch page shows of a ready video; URLs already signed (`?exp=&sig=`) for a private one. */
export interface WatchPageVideo {
  id: string;
  title: string;
  description: string;
  hls: string;
  poster: string;
  /** previews.vtt (seek previews); the sprite images are resolved against it and take its query. */
  previews: string | null;
  chapters: { startSec: number; title: string }[];
  durationSec: number | null;
}

/** What the watch page needs to share segments (protocols/p2p-page.ts), with how far a viewer alone reads ahead. */
export interface WatchPageP2p extends PageP2p {
  /** How far ahead a viewer alone fetches (over HTTP): what hls.js buffers by itself. */
  aloneSec: number;
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** JSON inside a <script>: `</script>` and `<!--` in a title must not end it. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

/**
 * The public watch page `/watch/<id>`: hls.js (served beside, as the live player page loads it; the browser's
 * own HLS where it has one), the poster, a seek bar with sprite previews and chapter marks, a subtitles menu
 * from the HLS master's tracks and the chapter list. `body[data-state]` says where playback is, for tests.
 * With `p2p`, its viewers share segments (protocols/p2p-page.ts): what is due soon over HTTP, what is
 * further ahead from a viewer who holds it; the row says how much came from peers once some did.
 */
export function watchPage(video: WatchPageVideo, hlsScript: string | null, chat: ChatPanelOptions | null = null, p2p: WatchPageP2p | null = null): string {
  const title = escapeHtml(video.title);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<meta property="og:title" content="${title}"><meta property="og:image" content="${escapeHtml(video.poster)}">
${p2p ? p2pHead(p2p) : ''}
<style>${STYLE}</style></head>
<body data-state="loading">
<main>
<div id="stage"><video id="v" playsinline poster="${escapeHtml(video.poster)}"></video><div id="err"></div></div>
<div id="seek" tabindex="0" role="slider" aria-label="Seek"><div id="track"><div id="fill"></div></div><div id="tip"><div id="tile"></div><b id="tipc"></b><span id="tipt"></span></div></div>
<div id="row">
  <button id="play" type="button" aria-label="Play or pause (space)">▶</button>
  <span id="time">0:00 / ${video.durationSec ? formatClock(video.durationSec) : '0:00'}</span>
  <span id="chapter"></span><span class="grow"></span>
  <span id="p2pinfo" hidden>from peers <b id="p2p"></b></span>
  <label>CC <select id="subs" aria-label="Subtitles"><option value="-1">Off</option></select></label>
  <button id="fs" type="button" aria-label="Full screen (f)"><svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path fill="currentColor" d="M4 4h6v2H6v4H4zM14 4h6v6h-2V6h-4zM4 14h2v4h4v2H4zM18 14h2v6h-6v-2h4z"/></svg></button>
</div>
<h1>${title}</h1>
${video.description ? `<p class="desc">${escapeHtml(video.description)}</p>` : ''}
<ol id="chapters"></ol>
</main>
${chat ? chatPanel(chat) : ''}
<script type="module">${watchScript(video, hlsScript, p2p)}</script>
</body></html>
`;
}

function watchScript(video: WatchPageVideo, hlsScript: string | null, p2p: WatchPageP2p | null): string {
  return `
${[formatClock, ...VOD_CUE_FUNCTIONS].map(String).join('\n')}
const video = ${scriptJson(video)};
const hlsScript = ${scriptJson(hlsScript)};
const P2P = ${scriptJson(p2p)};
const $ = (id) => document.getElementById(id);
const el = $('v'), body = document.body;
${p2pPageScript()}
const query = video.hls.includes('?') ? video.hls.slice(video.hls.indexOf('?')) : '';
let cues = [], hls = null;
const duration = () => (Number.isFinite(el.duration) && el.duration > 0 ? el.duration : video.durationSec || 0);
const chapterOf = (t) => video.chapters.filter((c) => c.startSec <= t).pop() || null;

function renderChapters() {
  const list = $('chapters');
  for (const c of video.chapters) {
    const li = document.createElement('li');
    li.innerHTML = '<button type="button"><span class="t"></span><span></span></button>';
    li.querySelector('.t').textContent = formatClock(c.startSec);
    li.querySelector('span:last-child').textContent = c.title;
    li.firstChild.onclick = () => { el.currentTime = c.startSec; el.play().catch(() => {}); };
    list.append(li);
  }
}

function renderMarks() {
  const d = duration();
  for (const c of video.chapters) {
    if (c.startSec <= 0 || !d || c.startSec >= d) continue;
    const mark = document.createElement('i');
    mark.style.left = (c.startSec / d) * 100 + '%';
    $('track').append(mark);
  }
}

async function loadPlayer() {
  if (hlsScript && !window.Hls) {
    await new Promise((resolve) => {
      const s = document.createElement('script'); s.src = hlsScript; s.onload = resolve; s.onerror = resolve; document.head.append(s);
    });
  }
  if (window.Hls && window.Hls.isSupported()) {
    const Player = await withP2p(window.Hls, P2P);
    // With P2P, hls.js demuxes on the page's thread: its worker would be handed (transferred) the very
    // ArrayBuffer the segment store keeps for peers. Viewers of a video are at different places in it:
    // what is due within P2P.urgentSec comes over HTTP; up to P2P.aheadSec ahead, from a peer that holds
    // it, else over HTTP by whichever viewer the library picks, then shared.
    hls = new Player(Player === window.Hls ? {} : {
      enableWorker: false,
      p2p: {
        core: p2pCoreConfig(P2P, video.id, new URL(P2P.tracker + query, location.href).href),
        onHlsJsCreated(player) { shareSegments(player, P2P); },
      },
    });
    hls.subtitleDisplay = false;
    hls.on(window.Hls.Events.SUBTITLE_TRACKS_UPDATED, (_e, data) => {
      for (const t of data.subtitleTracks) $('subs').append(new Option(t.name || t.lang, String(t.id)));
    });
    hls.on(window.Hls.Events.ERROR, (_e, data) => { if (data.fatal) { body.dataset.state = 'error'; $('err').textContent = data.type + ': ' + data.details; } });
    hls.loadSource(video.hls);
    hls.attachMedia(el);
  } else if (el.canPlayType('application/vnd.apple.mpegurl')) {
    el.src = video.hls;
  } else {
    body.dataset.state = 'error';
    $('err').textContent = 'This browser cannot play HLS.';
  }
}

$('subs').onchange = (e) => {
  const id = Number(e.target.value);
  if (hls) { hls.subtitleTrack = id; hls.subtitleDisplay = id >= 0; }
  else for (const [i, t] of [...el.textTracks].entries()) t.mode = i === id ? 'showing' : 'disabled';
};
const toggle = () => (el.paused ? el.play().catch(() => {}) : el.pause());
$('play').onclick = toggle;
el.onclick = toggle;
$('fs').onclick = () => $('stage').requestFullscreen().catch(() => {});
addEventListener('keydown', (e) => {
  if (e.target.tagName === 'SELECT') return;
  if (e.key === ' ') { e.preventDefault(); toggle(); }
  if (e.key === 'f') $('fs').click();
  if (e.key === 'ArrowRight') el.currentTime = Math.min(duration(), el.currentTime + 5);
  if (e.key === 'ArrowLeft') el.currentTime = Math.max(0, el.currentTime - 5);
});
el.onplay = () => { body.dataset.state = 'playing'; $('play').textContent = '❚❚'; };
el.onpause = () => { body.dataset.state = 'paused'; $('play').textContent = '▶'; };
el.onloadedmetadata = renderMarks;
el.ontimeupdate = () => {
  const d = duration();
  $('fill').style.width = (d ? (el.currentTime / d) * 100 : 0) + '%';
  $('time').textContent = formatClock(el.currentTime) + ' / ' + formatClock(d);
  $('chapter').textContent = chapterOf(el.currentTime)?.title || '';
  const shared = p2pLine();
  if (shared) {
    $('p2pinfo').hidden = false;
    $('p2p').textContent = shared;
  }
};

const seek = $('seek');
const atPointer = (e) => { const box = $('track').getBoundingClientRect(); return Math.min(1, Math.max(0, (e.clientX - box.left) / box.width)); };
seek.onpointerdown = (e) => { el.currentTime = atPointer(e) * duration(); };
seek.onpointermove = (e) => {
  const f = atPointer(e), t = f * duration(), tip = $('tip'), tile = $('tile');
  const cue = cueAt(cues, t);
  const found = cue ? previewTile(cue.text, new URL(video.previews, location.href).href) : null;
  // A private video's previews.vtt comes signed already (the host signs its image names): never sign twice.
  if (found) {
    tile.style.cssText = 'display:block;width:' + found.w + 'px;height:' + found.h + 'px;background-image:url("' + (found.url.includes('?') ? found.url : found.url + query) + '");background-position:-' + found.x + 'px -' + found.y + 'px';
  } else tile.style.display = 'none';
  body.dataset.preview = found ? 'tile' : 'time';
  $('tipc').textContent = chapterOf(t)?.title || '';
  $('tipt').textContent = formatClock(t);
  const half = (found ? found.w : 60) / 2 + 6, width = seek.clientWidth;
  tip.style.left = Math.min(Math.max(f * $('track').clientWidth + 16, half), width - half) + 'px';
  tip.style.opacity = 1;
};
seek.onpointerleave = () => { $('tip').style.opacity = 0; };

// The sprite sheets are loaded with the cues (a few small images): the first hover shows its tile at once.
const sheets = [];
if (video.previews) fetch(video.previews).then((r) => (r.ok ? r.text() : '')).then((text) => {
  cues = parseVttCues(text);
  const base = new URL(video.previews, location.href).href;
  for (const url of new Set(cues.map((c) => previewTile(c.text, base)?.url).filter(Boolean))) {
    const img = new Image();
    img.src = url.includes('?') ? url : url + query;
    sheets.push(img);
  }
}).catch(() => {});
renderChapters();
loadPlayer();
`;
}

const STYLE = `
  :root { --accent: #7c5cff; --muted: #8b94a7; }
  html, body { margin: 0; background: #0d1016; color: #e6e9ef; font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; }
  main { max-width: 1100px; margin: 0 auto; padding: 20px; }
  #stage { position: relative; aspect-ratio: 16 / 9; background: #000; border-radius: 10px 10px 0 0; overflow: hidden; }
  video { width: 100%; height: 100%; display: block; background: #000; cursor: pointer; }
  #err { position: absolute; inset: auto 0 0 0; padding: 8px 12px; color: #f87171; font-size: 12px; }
  #seek { position: relative; padding: 10px 16px 4px; background: #0a0c11; cursor: pointer; outline: none; touch-action: none; }
  #track { position: relative; height: 4px; border-radius: 2px; background: #2b3342; }
  #seek:hover #track { height: 6px; }
  #fill { position: absolute; inset: 0 auto 0 0; border-radius: 2px; background: var(--accent); }
  #track i { position: absolute; top: 0; bottom: 0; width: 2px; margin-left: -1px; background: #0a0c11; }
  #tip { position: absolute; bottom: 24px; transform: translateX(-50%); display: flex; flex-direction: column; align-items: center; gap: 3px;
    padding: 4px; border-radius: 6px; background: #1b2130; box-shadow: 0 8px 24px rgba(0,0,0,.45); opacity: 0; pointer-events: none; font-size: 11px; }
  #tile { display: none; border-radius: 4px; background-repeat: no-repeat; }
  #tipt { font-variant-numeric: tabular-nums; }
  #row { display: flex; align-items: center; gap: 12px; padding: 4px 12px 10px; background: #0a0c11; border-radius: 0 0 10px 10px; }
  button { font: inherit; color: inherit; background: none; border: 0; cursor: pointer; }
  #play, #fs { display: grid; place-items: center; width: 32px; height: 32px; border-radius: 6px; font-size: 15px; }
  #play:hover, #fs:hover { background: #1b2130; }
  #time { font-variant-numeric: tabular-nums; font-size: 12px; color: var(--muted); }
  #p2pinfo { font-size: 12px; color: var(--muted); white-space: nowrap; }
  #p2pinfo b { color: #e6e9ef; font-weight: 600; font-variant-numeric: tabular-nums; }
  #chapter { font-size: 12px; color: var(--muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  .grow { flex: 1; }
  label { color: var(--muted); font-size: 12px; font-weight: 600; }
  select { margin-left: 6px; height: 28px; border-radius: 6px; border: 1px solid #262e3d; background: #151a23; color: #e6e9ef; font: inherit; }
  h1 { margin: 18px 0 6px; font-size: 22px; }
  .desc { margin: 0 0 14px; color: #c3c9d5; white-space: pre-wrap; }
  #chapters { list-style: none; margin: 14px 0 0; padding: 0; display: grid; gap: 4px; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); }
  #chapters button { display: flex; gap: 10px; width: 100%; padding: 8px 10px; border-radius: 6px; background: #151a23; text-align: left; }
  #chapters button:hover { background: #1b2130; }
  #chapters .t { color: var(--accent); font-variant-numeric: tabular-nums; }
`;
