/**
 * The player page's data lane: timed data messages shown when the frame they belong to is on screen.
 * Each engine tells the program date-time (PDT) of the frame being presented (requestVideoFrameCallback):
 * hls.js from the fragments' EXT-X-PROGRAM-DATE-TIME and the frame's media time, WebRTC from the frame's
 * RTP timestamp and the time maps the host sends on the `data` channel. Messages come from the
 * playlists' EXT-X-DATERANGE tags (HLS) or that channel (WebRTC). A message shows at the first frame
 * whose PDT reaches its own; a rewind (DVR) shows it again when its frame comes back.
 *
 * `window.__data` lists what was shown with the frame's PDT (for people and tests); `window.__dataHook`,
 * when a test sets it, is called in the frame callback and its result is kept with the entry.
 * The functions below are inlined into the page with `.toString()` (no bundle), so they use no imports.
 */

/** A message that passed so long ago when its frame came (a seek forward, a late join) is not shown. */
export const DATA_STALE_MS = 5000;

export interface LaneMessage {
  id: string;
  channel: string;
  seq: number;
  programDateTime: number;
  data: unknown;
}

export interface DataLane {
  add(message: LaneMessage): void;
  /** The frame with program date-time `pdt` is on screen: the messages it reaches, oldest first. */
  frame(pdt: number): LaneMessage[];
  size(): number;
}

/** The lane's bookkeeping: which messages are due at a frame; a frame earlier than the last one (a rewind) re-arms those after it. */
export function createDataLane(staleMs: number, maxKept: number): DataLane {
  const known = new Map<string, LaneMessage>();
  const shown = new Set<string>();
  let last: number | null = null;
  return {
    add(message) {
      if (known.has(message.id)) return;
      known.set(message.id, message);
      // Bounded: the oldest by program time go first.
      if (known.size > maxKept) {
        const oldest = [...known.values()].sort((a, b) => a.programDateTime - b.programDateTime)[0]!;
        known.delete(oldest.id);
        shown.delete(oldest.id);
      }
    },
    frame(pdt) {
      if (last !== null && pdt < last) for (const id of [...shown]) if (known.get(id)!.programDateTime > pdt + 1) shown.delete(id);
      last = pdt;
      // 1 ms of slack: FLV times are whole ms, the frame's PDT is computed in floating point.
      const due = [...known.values()].filter((m) => !shown.has(m.id) && m.programDateTime <= pdt + 1).sort((a, b) => a.programDateTime - b.programDateTime);
      for (const m of due) shown.add(m.id);
      return due.filter((m) => pdt - m.programDateTime <= staleMs);
    },
    size: () => known.size,
  };
}

/** X-DATA of an EXT-X-DATERANGE: base64url of the JSON (null when absent: the tag says X-TRUNCATED). */
export function decodeDateRangeData(b64: string | undefined): unknown {
  if (!b64) return null;
  const bytes = Uint8Array.from(atob(b64.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/**
 * A frame's PDT from the time maps (`{rtp, programDateTime}`, RTP at 90 kHz, newest last): the latest
 * map at or before the frame, the 32-bit RTP counter's wrap taken into account.
 */
export function pdtOfRtp(maps: readonly { rtp: number; programDateTime: number }[], rtp: number): number | null {
  for (let i = maps.length - 1; i >= 0; i -= 1) {
    const map = maps[i]!;
    let delta = (rtp - map.rtp) % 4294967296;
    if (delta > 2147483648) delta -= 4294967296;
    if (delta < -2147483648) delta += 4294967296;
    if (delta >= 0 || i === 0) return map.programDateTime + delta / 90;
  }
  return null;
}

/** A frame's PDT from hls.js fragments (start in s on the media timeline, programDateTime in ms): the last one starting at or before it. */
export function pdtOfFragments(fragments: readonly { start: number; programDateTime: number | null }[], mediaTime: number): number | null {
  let best: { start: number; programDateTime: number | null } | null = null;
  for (const f of fragments) if (f.programDateTime !== null && f.start <= mediaTime + 0.0005) best = f;
  return best ? best.programDateTime! + (mediaTime - best.start) * 1000 : null;
}

export const PLAYER_DATA_FUNCTIONS = [createDataLane, decodeDateRangeData, pdtOfRtp, pdtOfFragments];

/**
 * Page code shared by the live player and the replay: `showData(m, pdt, mode, previousPdt)` lists a shown
 * message (window.__data, the #data lane); `previousPdt` is the frame before's (a gap: frames not presented).
 */
const SHOW_DATA = `
window.__data = [];
function showData(m, pdt, mode, previousPdt) {
  const entry = { id: m.id, channel: m.channel, seq: m.seq, programDateTime: m.programDateTime, data: m.data, framePdt: pdt, previousPdt, mode, shownAt: Date.now() };
  if (typeof window.__dataHook === 'function') { try { entry.hook = window.__dataHook(entry); } catch (e) { entry.hook = String(e); } }
  window.__data.push(entry);
  if (window.__data.length > 1000) window.__data.shift();
  const list = document.getElementById('data');
  if (!list) return;
  const li = document.createElement('li');
  const text = typeof m.data === 'string' ? m.data : JSON.stringify(m.data);
  li.textContent = m.channel + ': ' + (text == null ? '…' : text.slice(0, 200));
  list.append(li);
  while (list.children.length > 5) list.firstElementChild.remove();
}
`;

/** The page part: the lane, its overlay list `#data` and the frame loop; `engine.framePdt(meta)` answers per frame. */
export function playerDataScript(): string {
  return `
${PLAYER_DATA_FUNCTIONS.map(String).join('\n')}
const dataLane = createDataLane(${DATA_STALE_MS}, 1000);
const DATA_CLASS = 'com.streams-studio.data';
${SHOW_DATA}
/** hls.js: the date ranges of every playlist update (ours by their CLASS). */
function dataFromHls(player, Hls) {
  player.on(Hls.Events.LEVEL_UPDATED, (_event, d) => {
    const ranges = (d.details && d.details.dateRanges) || {};
    for (const id of Object.keys(ranges)) {
      const r = ranges[id];
      if (r.class !== DATA_CLASS || !r.startDate) continue;
      let data = null;
      try { data = decodeDateRangeData(r.attr['X-DATA']); } catch {}
      dataLane.add({ id, channel: r.attr['X-CHANNEL'], seq: Number(r.attr['X-SEQ']), programDateTime: r.startDate.getTime(), data });
    }
  });
}
/** WebRTC: the \`data\` channel (opened before the offer) brings time maps and messages; a frame's PDT from its RTP timestamp. */
function dataFromWebRtc(pc) {
  const maps = [];
  const channel = pc.createDataChannel('data');
  // body[data-channel] says when the lane can carry messages (for people reading the page, and tests).
  channel.onopen = () => (document.body.dataset.channel = 'open');
  channel.onclose = () => (document.body.dataset.channel = 'closed');
  channel.onmessage = (e) => {
    let f = null;
    try { f = JSON.parse(e.data); } catch { return; }
    if (f && f.type === 'time') {
      maps.push({ rtp: f.rtp, programDateTime: f.programDateTime });
      if (maps.length > 8) maps.shift();
    } else if (f && f.type === 'message' && f.message && f.message.programDateTime != null) {
      const m = f.message;
      dataLane.add({ id: m.channel + '-' + m.seq, channel: m.channel, seq: m.seq, programDateTime: m.programDateTime, data: m.data });
    }
  };
  return (meta) => (meta.rtpTimestamp == null ? null : pdtOfRtp(maps, meta.rtpTimestamp));
}
function dataFrames() {
  if (!video.requestVideoFrameCallback) return;
  let previous = null;
  const step = (_now, meta) => {
    const pdt = engine && engine.framePdt ? engine.framePdt(meta) : null;
    // body[data-clock] says frames are dated (the lane shows messages in step from here; over WebRTC
    // the first time map came): a message for a frame before it shows at the first dated one.
    const clock = pdt == null ? 'undated' : 'dated';
    if (body.dataset.clock !== clock) body.dataset.clock = clock;
    if (pdt != null) for (const m of dataLane.frame(pdt)) showData(m, pdt, body.dataset.mode, previous);
    previous = pdt;
    video.requestVideoFrameCallback(step);
  };
  video.requestVideoFrameCallback(step);
}
`;
}

/** A replay page carries at most this many messages (the lane keeps the newest). */
export const MAX_REPLAY_MESSAGES = 5000;

/** A replay's data: the program date-time of the video's time 0 and the messages of its span. */
export interface DataReplay {
  startPdt: number;
  messages: LaneMessage[];
}

/**
 * A self-contained script for a VOD page (`/watch/<id>` of a video made from a recording): each
 * message shown when the frame at `startPdt + mediaTime` reaches it, into an `<ol id="data">` it adds
 * over the video when the page has none. Seeking back shows them again.
 */
export function dataReplayScript(replay: DataReplay, videoId = 'v'): string {
  const json = JSON.stringify(replay).replace(/</g, '\\u003c');
  return `(() => {
${createDataLane.toString()}
${SHOW_DATA}
const replay = ${json};
const lane = createDataLane(${DATA_STALE_MS}, ${MAX_REPLAY_MESSAGES});
for (const m of replay.messages) lane.add(m);
const video = document.getElementById(${JSON.stringify(videoId)});
if (video && !document.getElementById('data')) {
  const list = document.createElement('ol');
  list.id = 'data';
  list.setAttribute('aria-label', 'Data');
  list.style.cssText = 'position:absolute;right:12px;top:12px;max-width:40%;margin:0;padding:0;list-style:none;pointer-events:none;font-size:13px';
  video.parentElement.style.position = 'relative';
  video.parentElement.append(list);
}
let previous = null;
const step = (_now, meta) => {
  const pdt = replay.startPdt + meta.mediaTime * 1000;
  for (const m of lane.frame(pdt)) showData(m, pdt, 'replay', previous);
  previous = pdt;
  video.requestVideoFrameCallback(step);
};
if (video && video.requestVideoFrameCallback) video.requestVideoFrameCallback(step);
})();`;
}
