import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { P2P_FUNCTIONS, P2P_HASH_SUFFIX, segmentHashUrl, uploadAllowed } from '../../src-shared/p2p.js';

/**
 * What the pages that play HLS (the live player page, the watch page) share of P2P segments: where
 * p2p-media-loader's browser modules are served, the lines of a page's head that load them, and the
 * page script that plugs them into hls.js, checks each peer's segment and counts what came from where.
 */

/**
 * What a page needs to share segments with other viewers (null: they do not): the swarm's tracker, the
 * windows, the caps, and where p2p-media-loader's two modules are served.
 */
export interface PageP2p {
  /** The swarm's tracker path (`/p2p/<name>/announce`, `/p2p/videos/<id>/announce`). */
  tracker: string;
  /** Segments due within this many seconds come over HTTP, whoever holds them. */
  urgentSec: number;
  /** How far ahead of playback segments are fetched (from peers, or by one viewer over HTTP). */
  aheadSec: number;
  /** The host's STUN server (`stun:host:port`), or '' for none. */
  stunServer: string;
  /** The most a viewer uploads to its peers, kb/s; 0: no cap. */
  maxUploadKbps: number;
  hlsjsModule: string;
  coreModule: string;
}

/** Where the host serves p2p-media-loader's two browser modules (webrtc/routes.ts). */
export const P2P_ASSETS = { core: '/play/assets/p2p-media-loader-core.js', hlsjs: '/play/assets/p2p-media-loader-hlsjs.js' } as const;

/** p2p-media-loader's browser modules (core, hls.js integration), when the packages are installed beside us. */
export function p2pModulePaths(): { core: string; hlsjs: string } | null {
  // Their exports name no file of dist/ (nor a require entry): looked for along the module paths.
  const dirs = createRequire(import.meta.url).resolve.paths('p2p-media-loader-core') ?? [];
  const find = (pkg: string): string | undefined => dirs.map((dir) => path.join(dir, pkg, 'dist', `${pkg}.es.min.js`)).find((file) => fs.existsSync(file));
  const core = find('p2p-media-loader-core');
  const hlsjs = find('p2p-media-loader-hlsjs');
  return core && hlsjs ? { core, hlsjs } : null;
}

/**
 * The head of a page that shares segments: an import map names the core for the hls.js integration
 * (which imports it by its package name), and both modules load while hls.js does.
 */
export function p2pHead(modules: Pick<PageP2p, 'coreModule' | 'hlsjsModule'>): string {
  return `<script type="importmap">${JSON.stringify({ imports: { 'p2p-media-loader-core': modules.coreModule } })}</script>
<link rel="modulepreload" href="${modules.hlsjsModule}"><link rel="modulepreload" href="${modules.coreModule}">`;
}

/**
 * The page script's P2P part (no bundle: plain functions inlined). It needs `body` (document.body) and
 * defines:
 * - `withP2p(Hls, P2P)`: hls.js with p2p-media-loader's engine mixed in, or hls.js as it is where the
 *   page may not share (P2P null), the browser cannot (no WebRTC, no crypto.subtle) or the modules fail;
 * - `p2pCoreConfig(P2P, swarmId, trackerUrl)`: the engine's core settings. A peer's segment is
 *   checked against the SHA-256 the host publishes beside it; one that does not match is thrown away and
 *   its peer dropped (the library closes the connection), and the segment comes over HTTP;
 * - `shareSegments(player, P2P)`: counts, peers and the upload cap, once hls.js is made; returns the
 *   peers per swarm and `tune(type)`, which puts a swarm's urgent window back where its peers say;
 * - `window.p2pStats` and `body[data-p2p]`: what came from where, for people, tests and analytics.
 */
export function p2pPageScript(): string {
  return `
const P2P_HASH_SUFFIX = ${JSON.stringify(P2P_HASH_SUFFIX)};
${P2P_FUNCTIONS.map(String).join('\n')}
const hashUrlOf = ${segmentHashUrl.name}, mayUpload = ${uploadAllowed.name};
async function withP2p(Hls, P2P) {
  if (!P2P || typeof RTCPeerConnection === 'undefined' || !crypto.subtle) return Hls;
  try {
    const { HlsJsP2PEngine } = await import(P2P.hlsjsModule);
    return HlsJsP2PEngine.injectMixin(Hls);
  } catch (e) {
    console.warn('P2P unavailable: ' + e.message);
    return Hls;
  }
}
const p2pStats = window.p2pStats = { httpBytes: 0, p2pBytes: 0, uploadedBytes: 0, peers: 0, dropped: 0, invalid: 0, uploadPaused: false, seeded: 0 };
async function checkSegment(url, byteRange, data) {
  // Our packagers write whole segment files; a byte range of one is not ours to check.
  if (byteRange) return false;
  try {
    const res = await fetch(hashUrlOf(url), { cache: 'force-cache' });
    if (!res.ok) return false;
    const want = (await res.text()).trim();
    const got = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', data)), (b) => b.toString(16).padStart(2, '0')).join('');
    const ok = got === want;
    if (!ok) p2pStats.invalid += 1;
    return ok;
  } catch {
    return false;
  }
}
/**
 * Alone in a swarm (no peer yet), whatever hls.js asks for is urgent: over HTTP at once, as without P2P.
 * The library fetches all that is urgent ahead of playback: a live stream's window ends at the live
 * edge; a video's is P2P.aloneSec (what hls.js would buffer by itself).
 */
const ALONE_SEC = 600;
const aloneSecOf = (P2P) => P2P.aloneSec || ALONE_SEC;
function p2pCoreConfig(P2P, swarmId, trackerUrl) {
  const tracker = new URL(trackerUrl);
  tracker.protocol = tracker.protocol === 'https:' ? 'wss:' : 'ws:';
  return {
    swarmId,
    announceTrackers: [tracker.href],
    // The host's STUN server (webrtc.stunServer), for viewers behind different NATs; without one,
    // viewers on one network still reach each other by their host candidates. TURN is not handed out.
    rtcConfig: { iceServers: P2P.stunServer ? [{ urls: P2P.stunServer }] : [] },
    validateP2PSegment: checkSegment,
    highDemandTimeWindow: aloneSecOf(P2P),
    httpDownloadTimeWindow: P2P.aheadSec,
    p2pDownloadTimeWindow: P2P.aheadSec,
  };
}
function shareSegments(player, P2P) {
  const p2p = player.p2pEngine;
  body.dataset.p2p = 'on';
  const sent = [];
  p2p.addEventListener('onChunkDownloaded', (bytes, source) => { if (source === 'p2p') p2pStats.p2pBytes += bytes; else p2pStats.httpBytes += bytes; });
  p2p.addEventListener('onChunkUploaded', (bytes) => { p2pStats.uploadedBytes += bytes; sent.push([Date.now(), bytes]); });
  // Peers per swarm (the video's and the audio's): each swarm waits for peers only while it has one.
  const peersOf = { main: 0, secondary: 0 };
  const tune = (type) => p2p.applyDynamicConfig({ core: { [type + 'Stream']: { highDemandTimeWindow: peersOf[type] > 0 ? P2P.urgentSec : aloneSecOf(P2P) } } });
  // The page shows the viewers it shares with: one connection per swarm each, so the larger swarm's count.
  p2p.addEventListener('onPeerConnect', ({ streamType }) => {
    if (++peersOf[streamType] === 1) tune(streamType);
    p2pStats.peers = Math.max(peersOf.main, peersOf.secondary);
  });
  p2p.addEventListener('onPeerClose', ({ streamType }) => {
    peersOf[streamType] = Math.max(0, peersOf[streamType] - 1);
    if (peersOf[streamType] === 0) tune(streamType);
    p2pStats.peers = Math.max(peersOf.main, peersOf.secondary);
  });
  p2p.addEventListener('onSegmentError', (e) => { if (e.error && e.error.type === 'p2p-segment-validation-failed') p2pStats.dropped += 1; });
  // The upload cap: uploads pause while the last 5 s went over it, and resume once they do not.
  if (P2P.maxUploadKbps > 0) setInterval(() => {
    const allowed = mayUpload(sent, Date.now(), P2P.maxUploadKbps);
    if (allowed === !p2pStats.uploadPaused) return;
    p2pStats.uploadPaused = !allowed;
    p2p.applyDynamicConfig({ core: { isP2PUploadDisabled: !allowed } });
  }, 250);
  return { p2p, peersOf, tune };
}
/** The share from peers as the pages show it ("42 % · 3 peers"), or null while there is nothing to say (a viewer alone). */
function p2pLine() {
  if (body.dataset.p2p !== 'on' || (p2pStats.peers === 0 && p2pStats.p2pBytes === 0)) return null;
  const total = p2pStats.p2pBytes + p2pStats.httpBytes;
  return (total ? Math.round((100 * p2pStats.p2pBytes) / total) : 0) + ' % · ' + p2pStats.peers + (p2pStats.peers === 1 ? ' peer' : ' peers');
}
`;
}
