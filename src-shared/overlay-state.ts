/**
 * What a live overlay shows, from the stream's data channels: the current poll with its votes, the
 * latest chat lines, the score and the top reactions. One state, fed message by message, read through
 * small views. Two places draw it: the overlay page `/overlay/<name>` (HTML for OBS's browser source)
 * and the studio's overlay source (drawn on a canvas into the show). Every function here stands alone
 * (no module-level names, no imports), so the page can inline them with `.toString()`.
 *
 * Channels (README "Overlay"): `poll` `{question, options}`, `windows` (the host's window results: the
 * `poll` session counting `votes`, the `reactions` sliding window), `chat` (the chat service's lines
 * and deletions, or plain strings), `score` (`{home, away, homeName, awayName}` or label/value rows).
 */

export const OVERLAY_PARTS = ['poll', 'chat', 'score', 'reactions'] as const;
export type OverlayPart = (typeof OVERLAY_PARTS)[number];
/** Chat lines an overlay keeps. */
export const OVERLAY_CHAT_LINES = 8;

/** The channels a part reads. */
export function overlayChannels(part: OverlayPart): string[] {
  return part === 'poll' ? ['poll', 'windows'] : part === 'reactions' ? ['windows'] : [part];
}

/** A window result as the host publishes it on `windows` (src-main/data/windows). */
export interface OverlayWindowResult {
  window: string;
  start: number;
  end: number;
  closed?: boolean;
  groups: Record<string, number>;
}

export interface OverlayChatLine {
  id: string;
  name: string;
  text: string;
}

export interface OverlayState {
  poll: { question: string; options: string[] } | null;
  /** When the current poll was posted (the host's clock). */
  pollAt: number;
  /** Poll results with their publication time, to find what a session had counted when a poll was posted. */
  pollResults: { at: number; r: OverlayWindowResult }[];
  results: Record<string, OverlayWindowResult>;
  chat: OverlayChatLine[];
  score: Record<string, unknown> | null;
  reactions: OverlayWindowResult | null;
}

export function overlayInit(): OverlayState {
  return { poll: null, pollAt: 0, pollResults: [], results: {}, chat: [], score: null, reactions: null };
}

/**
 * Takes one message into the state; returns the part it changed (null: nothing shown changed). A
 * message of the wrong shape changes nothing it cannot read (a poll without options clears the poll,
 * as the page always did).
 */
export function overlayApply(state: OverlayState, m: { channel: string; id: string; at: number; data: unknown }, chatLines: number): OverlayPart | null {
  const d = m.data as Record<string, unknown> | string | null | undefined;
  const obj = d !== null && typeof d === 'object' && !Array.isArray(d) ? (d as Record<string, unknown>) : null;
  if (m.channel === 'poll') {
    const valid = obj !== null && typeof obj.question === 'string' && Array.isArray(obj.options);
    state.poll = valid ? { question: (obj.question as string).slice(0, 200), options: (obj.options as unknown[]).slice(0, 10).map((o) => String(o).slice(0, 80)) } : null;
    state.pollAt = m.at;
    return 'poll';
  }
  if (m.channel === 'windows') {
    if (obj === null || typeof obj.window !== 'string') return null;
    const r = obj as unknown as OverlayWindowResult;
    state.results[r.window] = r;
    if (r.window === 'poll') {
      state.pollResults.push({ at: m.at, r });
      if (state.pollResults.length > 600) state.pollResults.shift();
      return 'poll';
    }
    if (r.window === 'reactions') {
      state.reactions = r;
      return 'reactions';
    }
    return null;
  }
  if (m.channel === 'chat') {
    if (obj !== null && obj.type === 'chat-delete') state.chat = state.chat.filter((c) => c.id !== obj.id);
    else if (obj !== null && typeof obj.text === 'string' && !obj.deleted) {
      state.chat.push({ id: String(obj.id ?? m.id), name: String(obj.displayName ?? obj.name ?? 'viewer').slice(0, 32), text: obj.text.slice(0, 300) });
    } else if (typeof d === 'string') state.chat.push({ id: m.id, name: 'viewer', text: d.slice(0, 300) });
    else return null;
    state.chat = state.chat.slice(-chatLines);
    return 'chat';
  }
  if (m.channel === 'score') {
    state.score = obj;
    return 'score';
  }
  return null;
}

/**
 * Votes counted for the current poll: a poll posted while the votes session is still open starts from
 * what that session had counted then (its last result published before the poll), so the earlier poll's
 * votes do not show. Found by the messages' times, not their arrival: after a reload the channels'
 * histories replay in any order.
 */
export function overlayVotes(state: OverlayState): Record<string, number> {
  const r = state.results.poll;
  if (!r || !state.poll || r.end < state.pollAt) return {};
  let before: { at: number; r: OverlayWindowResult } | null = null;
  for (const p of state.pollResults) if (p.at <= state.pollAt && (!before || p.at >= before.at)) before = p;
  const base = before && !before.r.closed && before.r.start === r.start ? before.r.groups : {};
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(r.groups)) out[k] = v - (base[k] ?? 0);
  return out;
}

export interface OverlayPollView {
  question: string;
  options: { label: string; votes: number; percent: number }[];
  total: number;
}

/** The poll as shown: each option's votes (by name or by index) and its rounded share. */
export function overlayPoll(state: OverlayState): OverlayPollView | null {
  const p = state.poll;
  if (!p) return null;
  const counts = overlayVotes(state);
  const n = p.options.map((o, i) => (counts[o] ?? 0) + (counts[String(i)] ?? 0));
  const total = n.reduce((a, b) => a + b, 0);
  return { question: p.question, options: p.options.map((label, i) => ({ label, votes: n[i]!, percent: total ? Math.round((100 * n[i]!) / total) : 0 })), total };
}

export type OverlayScoreView =
  | { kind: 'match'; homeName: string; awayName: string; home: string; away: string; text: string }
  | { kind: 'rows'; rows: [string, string][]; text: string };

/** The score as a match (home and away) or as up to 8 label/value rows. */
export function overlayScore(state: OverlayState): OverlayScoreView | null {
  const s = state.score;
  if (!s) return null;
  if (typeof s.home === 'number' || typeof s.away === 'number' || typeof s.home === 'string') {
    const homeName = String(s.homeName || 'Home');
    const awayName = String(s.awayName || 'Away');
    const home = String(s.home ?? 0);
    const away = String(s.away ?? 0);
    return { kind: 'match', homeName, awayName, home, away, text: `${homeName} ${home} – ${away} ${awayName}` };
  }
  const rows = Object.entries(s)
    .slice(0, 8)
    .map(([k, v]): [string, string] => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]);
  return { kind: 'rows', rows, text: rows.map(([k, v]) => `${k} ${v}`).join(', ') };
}

/** The six most frequent reactions of the current window, most first. */
export function overlayReactions(state: OverlayState): [string, number][] {
  const r = state.reactions;
  return r ? Object.entries(r.groups).sort((a, b) => b[1] - a[1]).slice(0, 6) : [];
}
