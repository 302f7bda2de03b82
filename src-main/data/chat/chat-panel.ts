import type { ChatMessage } from '../../../src-shared/contract/data.js';
import { ERROR_CATALOGUE } from '../../../src-shared/error-catalogue.js';

/** A recording's chat, replayed on its VOD: each line at `currentTime * 1000 + startPdt >= its programDateTime`. */
export interface ChatReplay {
  startPdt: number;
  endPdt: number;
  lines: Pick<ChatMessage, 'id' | 'displayName' | 'text' | 'programDateTime' | 'signedIn'>[];
}

export interface ChatPanelOptions {
  /** `stream:<name>` or `video:<id>`. */
  room: string;
  /** Set: a read-only replay of these lines in step with the page's `<video id="v">`. */
  replay?: ChatReplay | null;
}

/** JSON inside a <script>: a `</script>` in a line must not end it. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

const CODES = ['CHAT_BANNED', 'CHAT_SLOW_MODE', 'CHAT_FILTERED', 'CHAT_CLOSED', 'FORBIDDEN', 'NOT_FOUND', 'RATE_LIMITED', 'VALIDATION_FAILED', 'UNAVAILABLE'] as const;

/**
 * The viewer's chat beside the player (`/play/<name>`) or the video (`/watch/<id>`): its own markup,
 * style and script, so a page inserts it with one line. Live: a display name (kept in localStorage with
 * the viewer token the host issued), lines from the stream's `chat` data channel over Server-Sent Events
 * (the browser reconnects and resumes by itself), polling `chat.list` when there is no such channel
 * (a video's room) or it fails; errors in the catalogue's words. Replay: the lines given, shown as the
 * video reaches their program time. `window.__chat` and `#chat[data-state]` say what it did, for tests.
 */
export function chatPanel(o: ChatPanelOptions): string {
  const words = Object.fromEntries(CODES.map((code) => [code, ERROR_CATALOGUE[code]]));
  return `<aside id="chat" data-state="${o.replay ? 'replay' : 'joining'}" aria-label="Chat">
<header><b>${o.replay ? 'Chat replay' : 'Chat'}</b><span id="chat-note"></span></header>
<ol id="chat-lines" aria-live="polite"></ol>
<form id="chat-join" hidden><input id="chat-name" maxlength="32" placeholder="Your name" autocomplete="nickname" aria-label="Display name" required><button type="submit">Join chat</button></form>
<form id="chat-send" hidden><input id="chat-text" maxlength="2000" placeholder="Say something…" autocomplete="off" aria-label="Message" required><button type="submit">Send</button></form>
<p id="chat-error" role="alert"></p>
</aside>
<style>${STYLE}</style>
<script>${panelScript(o, words)}</script>`;
}

/** A classic script in its own function scope: the page's module script keeps its names, and its test regex its tag. */
export function panelScript(o: ChatPanelOptions, words: Record<string, { title: string; hint: string }> = {}): string {
  return `(() => {\n'use strict';\n${o.replay ? replayScript(o.replay) : liveScript(o.room, words)}\n})();`;
}

const COMMON = `
const $c = (id) => document.getElementById(id);
const panel = $c('chat'), list = $c('chat-lines');
window.__chat = { lines: [], errors: [], shown: [] };
// Typing in the chat is no player shortcut (space, f, m, arrows on the page's window listener).
panel.addEventListener('keydown', (e) => e.stopPropagation());
const atBottom = () => list.scrollHeight - list.scrollTop - list.clientHeight < 40;
function lineElement(m) {
  const li = document.createElement('li');
  li.dataset.id = m.id;
  if (m.seq) li.dataset.seq = m.seq;
  if (m.viewerId) li.dataset.viewer = m.viewerId;
  const who = document.createElement('b');
  who.textContent = m.displayName;
  if (m.signedIn) who.className = 'studio';
  li.append(who, document.createTextNode(' ' + m.text));
  return li;
}
function addLine(m) {
  if (list.querySelector('[data-id="' + CSS.escape(m.id) + '"]')) return false;
  const stick = atBottom();
  list.append(lineElement(m));
  while (list.children.length > 300) list.firstChild.remove();
  if (stick) list.scrollTop = list.scrollHeight;
  return true;
}
`;

function liveScript(room: string, words: Record<string, { title: string; hint: string }>): string {
  return `
${COMMON}
${REPLAY}
const room = ${scriptJson(room)};
const WORDS = ${scriptJson(words)};
const api = '/api/v1/chat/' + encodeURIComponent(room);
const page = new URLSearchParams(location.search), signature = {};
for (const key of ['exp', 'sig', 'ip']) if (page.has(key)) signature[key] = page.get(key);
const sigQuery = new URLSearchParams(signature).toString();
const store = { key: 'streams-chat:' + room, get() { try { return JSON.parse(localStorage.getItem(this.key)) || null; } catch { return null; } },
  set(v) { try { v ? localStorage.setItem(this.key, JSON.stringify(v)) : localStorage.removeItem(this.key); localStorage.setItem('streams-chat:name', v ? v.displayName : ''); } catch {} } };
let me = null, lastSeq = 0, waitUntil = 0;

function setError(error) {
  const w = WORDS[error.code];
  let text = w ? w.title + ': ' + w.hint : (error.message || 'The message was not sent');
  if (error.code === 'CHAT_SLOW_MODE' && error.details) {
    waitUntil = Date.now() + (error.details.retryAfterMs || error.details.retryAfterSec * 1000);
    text = w.title + ': wait ' + error.details.retryAfterSec + ' s before the next message.';
    countdown();
  }
  if (error.code === 'CHAT_BANNED' && error.details && error.details.until) text += ' (until ' + new Date(error.details.until).toLocaleTimeString() + ')';
  $c('chat-error').textContent = text;
  panel.dataset.error = error.code || 'error';
  window.__chat.errors.push({ code: error.code || null, at: Date.now() });
}
const clearError = () => { $c('chat-error').textContent = ''; delete panel.dataset.error; };

// Same-origin cookies go along: a studio user signed in on this host chats as signed in.
async function call(method, path, body) {
  const res = await fetch(api + path + (method === 'GET' && sigQuery ? (path.includes('?') ? '&' : '?') + sigQuery : ''), {
    method, headers: body ? { 'Content-Type': 'application/json' } : {}, body: body ? JSON.stringify({ ...body, ...signature }) : undefined
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw (json.error || { code: 'UNAVAILABLE', message: 'HTTP ' + res.status });
  return json;
}

function show(m) {
  if (m.seq > lastSeq) lastSeq = m.seq;
  if (addLine(m)) window.__chat.lines.push({ id: m.id, seq: m.seq, viewerId: m.viewerId, text: m.text, receivedAt: Date.now() });
}
function remove(id) {
  const li = list.querySelector('[data-id="' + CSS.escape(id) + '"]');
  if (li) li.remove();
}

function describe(settings) {
  const notes = [];
  if (settings.slowModeSec > 0) notes.push('slow mode ' + settings.slowModeSec + ' s');
  if (!settings.links) notes.push('no links');
  $c('chat-note').textContent = notes.join(' · ');
}

async function join(displayName, viewerToken) {
  try {
    const joined = await call('POST', '/join', { displayName, ...(viewerToken ? { viewerToken } : {}) });
    me = joined;
    store.set({ displayName: joined.displayName, viewerToken: joined.viewerToken });
    window.__chat.viewerId = joined.viewerId;
    describe(joined.settings);
    panel.dataset.state = 'joined';
    $c('chat-join').hidden = true;
    $c('chat-send').hidden = false;
    clearError();
  } catch (error) {
    panel.dataset.state = 'closed';
    $c('chat-join').hidden = error.code === 'CHAT_CLOSED' || error.code === 'FORBIDDEN';
    setError(error);
  }
}

$c('chat-join').addEventListener('submit', (e) => { e.preventDefault(); join($c('chat-name').value.trim()); });
$c('chat-send').addEventListener('submit', async (e) => {
  e.preventDefault();
  const input = $c('chat-text'), text = input.value.trim();
  if (!text || !me) return;
  try {
    show(await call('POST', '/messages', { text, viewerToken: me.viewerToken }));
    input.value = '';
    clearError();
  } catch (error) {
    // A token the host no longer knows: join again under the same name.
    if (error.code === 'UNAUTHORIZED') { store.set(null); return join(me.displayName); }
    setError(error);
  }
});
function countdown() {
  const left = Math.ceil((waitUntil - Date.now()) / 1000);
  $c('chat-send').querySelector('button').textContent = left > 0 ? 'Wait ' + left + ' s' : 'Send';
}
setInterval(countdown, 250);

let polls = 0;
async function poll() {
  try {
    // Polling sees no deletions: every 10th poll reads the newest lines again and drops the ones gone.
    const full = !lastSeq || ++polls % 10 === 0;
    const { messages } = await call('GET', '/messages?' + (full ? 'limit=100' : 'afterSeq=' + lastSeq));
    if (full && messages.length) {
      const ids = new Set(messages.map((m) => m.id)), from = messages[0].seq;
      for (const li of [...list.children]) if (Number(li.dataset.seq) >= from && !ids.has(li.dataset.id)) li.remove();
    }
    messages.forEach(show);
  } catch {}
}

/** Live lines: the stream's chat channel over SSE; polling when the room has none or the channel fails. */
function listen() {
  let polling = null;
  const startPolling = () => { if (!polling) { panel.dataset.feed = 'poll'; polling = setInterval(poll, 2000); } };
  if (!room.startsWith('stream:') || !window.EventSource) return startPolling();
  const source = new EventSource('/api/v1/streams/' + room.slice(7) + '/data/chat/events' + (sigQuery ? '?' + sigQuery : ''));
  source.addEventListener('open', () => { panel.dataset.feed = 'sse'; poll(); });
  source.addEventListener('message', (e) => {
    let data;
    try { data = JSON.parse(e.data).data; } catch { return; }
    if (data && data.type === 'chat') show(data);
    if (data && data.type === 'chat-delete') remove(data.id);
  });
  // EventSource retries by itself; CLOSED means the endpoint refused (absent, forbidden).
  source.addEventListener('error', () => { if (source.readyState === EventSource.CLOSED) startPolling(); });
}

/**
 * /play/<name>?vod=<recording>: the recording's VOD, its chat replayed. Its media playlist is dated from
 * the recording's first frame (EXT-X-PROGRAM-DATE-TIME): that is where currentTime 0 sits on the program timeline.
 */
async function vodReplay(recording) {
  panel.dataset.state = 'replay';
  panel.querySelector('header b').textContent = 'Chat replay';
  const text = async (url) => { const res = await fetch(url, { cache: 'no-store' }); if (!res.ok) throw new Error('HTTP ' + res.status); return res.text(); };
  try {
    const masterUrl = new URL('/vod/' + recording + '/index.m3u8', location.href);
    const master = await text(masterUrl);
    const variant = master.split('\\n').map((l) => l.trim()).find((l) => l && !l.startsWith('#'));
    const media = variant ? await text(new URL(variant, masterUrl)) : master;
    const date = /#EXT-X-PROGRAM-DATE-TIME:(\\S+)/.exec(media);
    if (!date) throw new Error('the recording has no program date-time');
    const startPdt = Date.parse(date[1]);
    const durationMs = [...media.matchAll(/#EXTINF:([\\d.]+)/g)].reduce((sum, m) => sum + Number(m[1]) * 1000, 0);
    const { messages } = await call('GET', '/messages?fromPdt=' + startPdt + '&toPdt=' + Math.ceil(startPdt + durationMs) + '&limit=1000');
    runReplay({ startPdt, endPdt: startPdt + durationMs, lines: messages });
  } catch (error) {
    setError({ code: error.code, message: 'No chat replay: ' + (error.message || error) });
  }
}

const vod = /^rec_[a-z0-9]{12}$/.test(page.get('vod') || '') ? page.get('vod') : null;
const saved = store.get();
let name = saved ? saved.displayName : '';
try { name = name || localStorage.getItem('streams-chat:name') || ''; } catch {}
$c('chat-name').value = name;
if (vod) vodReplay(vod);
else {
  poll().then(listen);
  if (saved && saved.viewerToken) join(saved.displayName, saved.viewerToken);
  else { panel.dataset.state = 'name'; $c('chat-join').hidden = false; }
}
`;
}

function replayScript(replay: ChatReplay): string {
  return `
${COMMON}
${REPLAY}
runReplay(${scriptJson(replay)});
`;
}

/**
 * The replay loop: lines up to the frame's program time are on screen; seeking back rebuilds the list.
 * With frame callbacks the time is the presented frame's (currentTime may run a frame ahead of the
 * picture). window.__chatHook (tests): called in the same callback, its value kept with the shown line.
 */
const REPLAY = `
function runReplay(replay) {
  const video = document.getElementById('v');
  const lines = replay.lines.filter((l) => l.programDateTime != null).sort((a, b) => a.programDateTime - b.programDateTime);
  let shown = 0;
  $c('chat-note').textContent = lines.length ? lines.length + ' lines' : 'no chat during this recording';
  // FLV times are whole ms (a 30 fps frame at 66.667 ms is stamped 67): 1 ms of slack, far below a frame.
  function step(mediaSec) {
    const now = replay.startPdt + (mediaSec ?? video.currentTime) * 1000 + 1;
    if (shown > 0 && lines[shown - 1].programDateTime > now) {
      while (shown > 0 && lines[shown - 1].programDateTime > now) shown--;
      list.replaceChildren(...lines.slice(Math.max(0, shown - 300), shown).map(lineElement));
      list.scrollTop = list.scrollHeight;
    }
    while (shown < lines.length && lines[shown].programDateTime <= now) {
      const line = lines[shown++];
      addLine(line);
      window.__chat.shown.push({ id: line.id, programDateTime: line.programDateTime, framePdt: now, hook: window.__chatHook ? window.__chatHook() : null, at: Date.now() });
    }
  }
  if (video.requestVideoFrameCallback) {
    const onFrame = (_now, meta) => { step(meta.mediaTime); video.requestVideoFrameCallback(onFrame); };
    video.requestVideoFrameCallback(onFrame);
  } else video.addEventListener('timeupdate', () => step());
  video.addEventListener('seeked', () => step());
  step();
}
`;

const STYLE = `
  body:has(> #chat) { display: flex; }
  body:has(> #chat) > main { flex: 1; min-width: 0; }
  #chat { box-sizing: border-box; display: flex; flex-direction: column; width: 320px; flex: none; height: 100vh; position: sticky; top: 0;
    background: #0d1016; border-left: 1px solid #1f2633; color: #e6e9ef; font: 14px/1.4 system-ui, -apple-system, 'Segoe UI', sans-serif; }
  #chat header { display: flex; align-items: baseline; gap: 10px; padding: 12px 14px; border-bottom: 1px solid #1f2633; }
  #chat header b { font-size: 13px; letter-spacing: 0.06em; text-transform: uppercase; }
  #chat-note { color: #8b94a7; font-size: 12px; }
  #chat-lines { flex: 1; min-height: 0; overflow-y: auto; margin: 0; padding: 8px 14px; list-style: none; }
  #chat-lines li { padding: 3px 0; overflow-wrap: anywhere; }
  #chat-lines b { color: #a996ff; font-weight: 600; }
  #chat-lines b.studio { color: #fbbf24; }
  #chat form { display: flex; gap: 6px; padding: 10px 12px; border-top: 1px solid #1f2633; }
  #chat form[hidden] { display: none; }
  #chat input { flex: 1; min-width: 0; height: 32px; padding: 0 10px; border: 1px solid #2b3342; border-radius: 6px; background: #151a23; color: inherit; font: inherit; }
  #chat input:focus { outline: 2px solid #7c5cff; outline-offset: -1px; }
  #chat button { height: 32px; padding: 0 12px; border: 0; border-radius: 6px; background: #7c5cff; color: #fff; font: inherit; font-weight: 600; cursor: pointer; white-space: nowrap; }
  #chat-error { margin: 0; padding: 0 12px 10px; color: #f87171; font-size: 12px; }
  #chat-error:empty { display: none; }
  @media (max-width: 760px) {
    body:has(> #chat) { flex-direction: column; }
    #chat { width: auto; height: 45vh; position: static; border-left: 0; border-top: 1px solid #1f2633; }
  }
`;
