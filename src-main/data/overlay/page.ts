import { backoffDelay } from '../../../src-shared/backoff.js';
import { connectData } from '../../../src-shared/data-client.js';
import {
  OVERLAY_CHAT_LINES,
  OVERLAY_PARTS,
  overlayApply,
  overlayChannels,
  overlayInit,
  overlayPoll,
  overlayReactions,
  overlayScore,
  overlayVotes,
  type OverlayPart,
} from '../../../src-shared/overlay-state.js';

/** The parts a page shows by default (`?show=poll,chat,score,reactions` chooses). */
export const DEFAULT_PARTS: readonly OverlayPart[] = ['poll', 'chat', 'score'];

/** `?show=` as a list of known parts (unknown ones ignored; none known: the defaults). */
export function overlayParts(show: unknown): OverlayPart[] {
  if (typeof show !== 'string') return [...DEFAULT_PARTS];
  const parts = show.split(',').map((s) => s.trim()).filter((s): s is OverlayPart => (OVERLAY_PARTS as readonly string[]).includes(s));
  return parts.length > 0 ? [...new Set(parts)] : [...DEFAULT_PARTS];
}

/**
 * The overlay page `/overlay/<name>` for a browser source (OBS) or an <iframe>: a transparent page that
 * shows the stream's current poll with live results, the latest chat lines and the score. It follows the
 * channels `poll`, `windows` (the `poll` and `reactions` window results), `chat` and `score` over SSE with
 * the data SDK (inlined: reconnects with backoff and resumes after the last seq). Message shapes: README
 * "Overlay". `window.__overlay` and `body[data-state]` say what it shows, for tests.
 */
export function overlayPage(name: string, parts: readonly OverlayPart[]): string {
  // Stream names are [a-z0-9-] (checked before this is called): safe in HTML and in a JS string.
  const has = (p: OverlayPart): string => (parts.includes(p) ? '' : ' hidden');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${name} · overlay</title>
<style>${STYLE}</style></head>
<body data-state="connecting">
<section id="score" class="card"${has('score')} data-empty="yes"></section>
<section id="poll" class="card"${has('poll')} data-empty="yes"><h2 id="question"></h2><ol id="options"></ol><div id="total" class="dim"></div></section>
<section id="reactions" class="card"${has('reactions')} data-empty="yes"></section>
<section id="chat"${has('chat')}><ol id="lines"></ol></section>
<script type="module">${overlayScript(name, parts)}</script>
</body></html>
`;
}

function overlayScript(name: string, parts: readonly OverlayPart[]): string {
  return `
const name = ${JSON.stringify(name)};
const parts = ${JSON.stringify(parts)};
const CHAT_LINES = ${OVERLAY_CHAT_LINES};
// A test transform may wrap inlined functions' inner names in __name (the built host does not).
var __name = (f) => f;
${[backoffDelay, connectData, overlayChannels, overlayInit, overlayApply, overlayVotes, overlayPoll, overlayScore, overlayReactions].map((f) => f.toString()).join('\n')}
// A private stream's signed overlay URL (exp, sig, ip) goes on to the event streams; ?show= stays here.
const params = new URLSearchParams(location.search);
params.delete('show');
const query = Object.fromEntries(params);
const state = overlayInit();
state.open = 0;
window.__overlay = state;
const $ = (id) => document.getElementById(id);
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = String(text);
  return e;
};

function renderPoll() {
  const p = overlayPoll(state);
  const box = $('poll');
  box.dataset.empty = p ? 'no' : 'yes';
  $('options').replaceChildren();
  if (!p) return;
  $('question').textContent = p.question;
  for (const o of p.options) {
    const li = el('li', 'option');
    li.dataset.option = o.label;
    li.dataset.votes = String(o.votes);
    const bar = el('span', 'bar');
    bar.style.width = o.percent + '%';
    li.append(bar, el('span', 'label', o.label), el('span', 'count', o.votes + (p.total ? ' · ' + o.percent + '%' : '')));
    $('options').append(li);
  }
  $('total').textContent = p.total === 1 ? '1 vote' : p.total + ' votes';
  box.dataset.total = String(p.total);
}

function renderChat() {
  $('lines').replaceChildren(
    ...state.chat.map((c) => {
      const li = el('li', 'line');
      li.append(el('b', 'who', c.name), el('span', 'text', c.text));
      return li;
    }),
  );
}

function renderScore() {
  const s = overlayScore(state);
  const box = $('score');
  box.replaceChildren();
  box.dataset.empty = s ? 'no' : 'yes';
  if (!s) return;
  if (s.kind === 'match') box.append(el('span', 'team', s.homeName), el('b', 'points', s.home), el('span', 'sep', '–'), el('b', 'points', s.away), el('span', 'team', s.awayName));
  else for (const [k, v] of s.rows) box.append(el('span', 'team', k), el('b', 'points', v));
  box.dataset.text = s.text;
}

function renderReactions() {
  const top = overlayReactions(state);
  const box = $('reactions');
  box.replaceChildren();
  box.dataset.empty = top.length ? 'no' : 'yes';
  for (const [emoji, n] of top) box.append(el('span', 'reaction', emoji + ' ' + n));
}

const render = { poll: renderPoll, chat: renderChat, score: renderScore, reactions: renderReactions };

const channels = [...new Set(parts.flatMap(overlayChannels))];
const retry = (n) => backoffDelay(n, { baseMs: 1000, maxMs: 15000, jitter: 0.2 });
for (const channel of channels) {
  connectData({
    baseUrl: location.origin,
    stream: name,
    channel,
    transport: 'sse',
    openEvents: (url) => new EventSource(url),
    query,
    // From the start of the kept history: the current poll, score and last chat lines show at once.
    afterSeq: 0,
    retryDelay: retry,
    onMessage: (m) => {
      try {
        const changed = overlayApply(state, m, CHAT_LINES);
        if (changed) render[changed]();
      } catch (e) {
        console.warn('overlay: a message was not shown', m.id, e);
      }
    },
    onState: (s) => {
      state.open += s === 'open' ? 1 : 0;
      document.body.dataset.state = s;
    },
  });
}
`;
}

const STYLE = `
  :root { --accent: #7c5cff; --bg: rgba(16, 18, 27, 0.82); --text: #f4f5f8; --dim: #a3acbf; }
  html, body { margin: 0; background: transparent; color: var(--text); font: 600 18px system-ui, -apple-system, 'Segoe UI', sans-serif; }
  body { position: relative; width: 100vw; height: 100vh; overflow: hidden; }
  [hidden], [data-empty="yes"] { display: none !important; }
  .card { position: absolute; background: var(--bg); border-radius: 12px; padding: 12px 16px; box-shadow: 0 6px 24px rgba(0,0,0,.35); }
  .dim { color: var(--dim); font-weight: 500; font-size: 14px; }
  #score { top: 16px; left: 50%; transform: translateX(-50%); display: flex; gap: 12px; align-items: baseline; font-size: 22px; }
  #score .points { font-size: 30px; color: #fff; min-width: 1ch; text-align: center; }
  #score .team { color: var(--dim); }
  #poll { left: 16px; bottom: 16px; width: min(420px, 45vw); }
  #poll h2 { margin: 0 0 10px; font-size: 20px; }
  #options { list-style: none; margin: 0 0 6px; padding: 0; display: grid; gap: 6px; }
  .option { position: relative; display: flex; justify-content: space-between; padding: 6px 10px; border-radius: 8px; background: rgba(255,255,255,.08); overflow: hidden; }
  .option .bar { position: absolute; inset: 0 auto 0 0; background: var(--accent); opacity: .65; transition: width .4s ease; }
  .option .label, .option .count { position: relative; }
  #reactions { right: 16px; top: 16px; display: flex; gap: 10px; font-size: 22px; }
  #chat { position: absolute; right: 16px; bottom: 16px; width: min(380px, 40vw); }
  #lines { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 6px; }
  .line { background: var(--bg); border-radius: 10px; padding: 6px 10px; font-weight: 500; overflow-wrap: anywhere; }
  .line .who { color: #c4b5fd; margin-right: 8px; }
`;
