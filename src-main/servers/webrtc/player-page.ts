import { chatPanel } from '../../data/chat/chat-panel.js';
import { playerScript, type PlayerP2p } from './player-page-script.js';
import { p2pHead } from '../../protocols/p2p-page.js';

/**
 * The standalone player page `/play/<name>`: WebRTC (WHEP) first, HLS (hls.js in low-latency mode)
 * when WebRTC fails, shows no frame in time or `?via=hls` asks for it. Over HLS a seek bar spans the
 * DVR window with a "Live" button; arrows seek 10 s, End goes live. The measured latency is shown and
 * reported to the host. `body[data-mode|data-latency-ms|data-live|data-dvr|data-behind-sec]` say what
 * it does, for people and for tests.
 *
 * When the stream has edges (`cdn.playback` lists some), the page plays HLS through them instead:
 * the fastest of the first ones measured, moving on by src-shared/edge-failover.ts without a reload;
 * `via edge <id>` and `body[data-edge]` say which. `embed`: the chromeless variant for an iframe
 * (`/embed/<name>`): the video fills the frame, the controls show on hover.
 */
export function playerPage(name: string, hlsScript: string | null, options: { embed?: boolean; p2p?: PlayerP2p | null } = {}): string {
  const p2p = options.p2p ?? null;
  // Stream names are [a-z0-9-] (checked before this is called): safe in HTML and in a JS string.
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${name} · live</title>
${p2p ? p2pHead(p2p) : ''}
<style>${STYLE}</style></head>
<body data-mode="connecting" data-live="yes" data-dvr="no" data-embed="${options.embed ? 'yes' : 'no'}">
<main id="stage">
<video id="v" muted autoplay playsinline></video>
<ol id="data" aria-live="polite" aria-label="Live data"></ol>
<div id="controls">
  <div id="seek">
    <span id="from" class="time">-0:00</span>
    <div id="track"><input id="bar" type="range" min="0" max="1000" step="1" value="1000" aria-label="Position in the DVR window"><span id="tip"></span></div>
    <span id="pos" class="time">live</span>
  </div>
  <div id="row">
    <button id="play" class="icon" type="button" aria-label="Play or pause (space)" data-state="playing">${ICONS.play}${ICONS.pause}</button>
    <button id="mute" class="icon" type="button" aria-label="Sound on or off (m)" data-state="muted">${ICONS.sound}${ICONS.muted}</button>
    <button id="live" type="button"><i></i>Live</button>
    <span class="info"><b class="name">${name}</b><span class="dim">via</span> <b id="mode">connecting…</b><span class="dim">latency</span> <b id="lat">—</b><span id="p2pinfo" hidden><span class="dim">from peers</span> <b id="p2p">—</b></span></span>
    <span id="err"></span>
    <span class="grow"></span>
    <a id="rewind" href="?via=hls" title="WebRTC plays live only: HLS can rewind in the DVR window">Rewind with HLS</a>
    <button id="fs" class="icon" type="button" aria-label="Full screen (f)">${ICONS.fullscreen}</button>
  </div>
</div>
</main>
${options.embed ? '' : chatPanel({ room: `stream:${name}` })}
<script type="module">${playerScript(name, hlsScript, p2p && scriptP2p(p2p))}</script>
</body></html>
`;
}

/** The script's part of the P2P settings: the core's module is the import map's to name. */
const scriptP2p = ({ coreModule: _core, ...rest }: PlayerP2p): Omit<PlayerP2p, 'coreModule'> => rest;

const svg = (cls: string, path: string, extra = ''): string =>
  `<svg class="${cls}" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path fill="currentColor" d="${path}"/>${extra}</svg>`;

const ICONS = {
  play: svg('when-paused', 'M8 5.5v13a1 1 0 0 0 1.5.86l10.2-6.5a1 1 0 0 0 0-1.72L9.5 4.64A1 1 0 0 0 8 5.5z'),
  pause: svg('when-playing', 'M7 5h3.5v14H7zM13.5 5H17v14h-3.5z'),
  sound: svg('when-sound', 'M4 9h4l5-4v14l-5-4H4z', '<path fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" d="M16 8.5a4.5 4.5 0 0 1 0 7M18.5 6a8 8 0 0 1 0 12"/>'),
  muted: svg('when-muted', 'M4 9h4l5-4v14l-5-4H4zM16.3 9.3l1.4-1.4 2.1 2.1 2.1-2.1 1.4 1.4-2.1 2.1 2.1 2.1-1.4 1.4-2.1-2.1-2.1 2.1-1.4-1.4 2.1-2.1z'),
  fullscreen: svg('', 'M4 4h6v2H6v4H4zM14 4h6v6h-2V6h-4zM4 14h2v4h4v2H4zM18 14h2v6h-6v-2h4z'),
};

const STYLE = `
  :root { --accent: #7c5cff; --live: #ef4444; --muted: #8b94a7; }
  html, body { margin: 0; height: 100%; background: #000; color: #e6e9ef; font: 14px system-ui, -apple-system, 'Segoe UI', sans-serif; }
  #stage { position: relative; display: flex; flex-direction: column; height: 100vh; background: #000; }
  #data { position: absolute; right: 12px; top: 12px; max-width: 40%; margin: 0; padding: 0; list-style: none; pointer-events: none; font-size: 13px; }
  #data li { margin-bottom: 4px; padding: 4px 8px; border-radius: 6px; background: rgba(13, 16, 22, 0.78); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  video { flex: 1; min-height: 0; width: 100%; background: #000; object-fit: contain; cursor: pointer; }
  #controls { background: linear-gradient(#0d1016, #0a0c11); border-top: 1px solid #1f2633; padding: 6px 14px 8px; }
  #seek { display: flex; align-items: center; gap: 12px; height: 26px; }
  body[data-dvr="no"] #seek { display: none; }
  .time { font-variant-numeric: tabular-nums; font-size: 12px; color: var(--muted); min-width: 48px; }
  #pos { text-align: right; }
  body[data-live="no"] #pos { color: #e6e9ef; }
  #track { position: relative; flex: 1; display: flex; align-items: center; }
  #bar { --fill: 100%; flex: 1; margin: 0; height: 18px; background: transparent; cursor: pointer; -webkit-appearance: none; appearance: none; }
  #bar::-webkit-slider-runnable-track { height: 4px; border-radius: 2px; background: linear-gradient(to right, var(--accent) var(--fill), #2b3342 var(--fill)); }
  #bar::-moz-range-track { height: 4px; border-radius: 2px; background: linear-gradient(to right, var(--accent) var(--fill), #2b3342 var(--fill)); }
  #bar::-webkit-slider-thumb { -webkit-appearance: none; width: 14px; height: 14px; margin-top: -5px; border-radius: 50%; background: #fff; box-shadow: 0 0 0 3px rgba(124, 92, 255, 0.35); }
  #bar::-moz-range-thumb { width: 14px; height: 14px; border: 0; border-radius: 50%; background: #fff; }
  #bar:hover::-webkit-slider-runnable-track { height: 6px; }
  #bar:hover::-webkit-slider-thumb { margin-top: -4px; }
  #bar:focus-visible { outline: 2px solid var(--accent); outline-offset: 4px; border-radius: 4px; }
  #tip { position: absolute; bottom: 22px; transform: translateX(-50%); padding: 2px 6px; border-radius: 4px; background: #1b2130; font-size: 11px;
    font-variant-numeric: tabular-nums; pointer-events: none; opacity: 0; transition: opacity 0.1s; }
  #track:hover #tip { opacity: 1; }
  #row { display: flex; align-items: center; gap: 10px; height: 36px; }
  button { font: inherit; color: inherit; }
  .icon { display: grid; place-items: center; width: 32px; height: 32px; padding: 0; border: 0; border-radius: 6px; background: transparent; cursor: pointer; }
  .icon:hover, .icon:focus-visible { background: #1b2130; outline: none; }
  #play[data-state="paused"] .when-playing, #play[data-state="playing"] .when-paused,
  #mute[data-state="muted"] .when-sound, #mute[data-state="sound"] .when-muted { display: none; }
  #live { display: inline-flex; align-items: center; gap: 7px; height: 26px; padding: 0 11px; border: 1px solid #2b3342; border-radius: 999px;
    background: #151a23; color: var(--muted); font-size: 12px; font-weight: 650; letter-spacing: 0.06em; text-transform: uppercase; cursor: pointer; }
  #live i { width: 8px; height: 8px; border-radius: 50%; background: #5d6678; }
  #live:hover { border-color: var(--muted); color: #fff; }
  body[data-live="yes"] #live { color: #fff; border-color: rgba(239, 68, 68, 0.45); background: rgba(239, 68, 68, 0.14); cursor: default; }
  body[data-live="yes"] #live i { background: var(--live); box-shadow: 0 0 0 3px rgba(239, 68, 68, 0.25); }
  .info { display: inline-flex; align-items: baseline; gap: 6px; white-space: nowrap; font-size: 13px; }
  .info .name { margin-right: 8px; }
  .info b { font-weight: 600; font-variant-numeric: tabular-nums; }
  .dim { color: var(--muted); }
  .dim:not(:first-of-type) { margin-left: 8px; }
  #err { color: #f87171; font-size: 12px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; }
  .grow { flex: 1; }
  #rewind { display: none; color: var(--muted); font-size: 12px; text-decoration: none; }
  #rewind:hover { color: #fff; }
  body[data-mode="webrtc"] #rewind { display: inline; }
  body[data-embed="yes"] #stage { position: relative; }
  body[data-embed="yes"] #controls { position: absolute; left: 0; right: 0; bottom: 0; background: linear-gradient(transparent, rgba(0, 0, 0, 0.85));
    border-top: 0; opacity: 0; transition: opacity 0.2s; }
  body[data-embed="yes"] #stage:hover #controls, body[data-embed="yes"] #controls:focus-within { opacity: 1; }
  body[data-embed="yes"] #rewind { display: none; }
  @media (max-width: 560px) { .info .dim, #lat, #mode { display: none; } }
`;
