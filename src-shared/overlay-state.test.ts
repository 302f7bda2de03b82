import { describe, expect, it } from 'vitest';
import { overlayApply, overlayChannels, overlayInit, overlayPoll, overlayReactions, overlayScore, type OverlayState } from './overlay-state.js';

let seq = 0;
const feed = (state: OverlayState, channel: string, data: unknown, at: number, chatLines = 8) => overlayApply(state, { channel, id: `${channel}:${++seq}`, at, data }, chatLines);
const pollResult = (groups: Record<string, number>, start: number, end: number, closed = false) => ({ window: 'poll', start, end, closed, groups });

describe('overlay state', () => {
  it('reads each part from its channels', () => {
    expect(overlayChannels('poll')).toEqual(['poll', 'windows']);
    expect(overlayChannels('reactions')).toEqual(['windows']);
    expect(overlayChannels('chat')).toEqual(['chat']);
    expect(overlayChannels('score')).toEqual(['score']);
  });

  it('counts a poll by option name or index, with rounded shares', () => {
    const s = overlayInit();
    expect(overlayPoll(s)).toBeNull();
    expect(feed(s, 'poll', { question: 'Who wins?', options: ['Lions', 'Bears', 'Draw'] }, 1000)).toBe('poll');
    expect(overlayPoll(s)).toEqual({ question: 'Who wins?', total: 0, options: [{ label: 'Lions', votes: 0, percent: 0 }, { label: 'Bears', votes: 0, percent: 0 }, { label: 'Draw', votes: 0, percent: 0 }] });
    expect(feed(s, 'windows', pollResult({ Lions: 2, '1': 1 }, 1500, 2000), 2000)).toBe('poll');
    expect(overlayPoll(s)!.options.map((o) => [o.votes, o.percent])).toEqual([[2, 67], [1, 33], [0, 0]]);
    expect(overlayPoll(s)!.total).toBe(3);
  });

  it('a poll posted while the votes session is open starts from zero, whatever order the history replays in', () => {
    const messages: [string, unknown, number][] = [
      ['poll', { question: 'First?', options: ['A', 'B'] }, 1000],
      ['windows', pollResult({ A: 4 }, 1100, 3000), 3000],
      ['poll', { question: 'Second?', options: ['A', 'B'] }, 3500],
      ['windows', pollResult({ A: 4, B: 1 }, 1100, 4000), 4000],
    ];
    const polls = messages.filter((m) => m[0] === 'poll');
    const windows = messages.filter((m) => m[0] === 'windows');
    // Each channel replays oldest first; the channels come in any order against each other.
    for (const order of [messages, [...polls, ...windows], [...windows, ...polls]]) {
      const s = overlayInit();
      for (const [channel, data, at] of order) feed(s, channel, data, at);
      expect(overlayPoll(s)).toMatchObject({ question: 'Second?', total: 1, options: [{ label: 'A', votes: 0 }, { label: 'B', votes: 1 }] });
    }
  });

  it('an ended session before the poll counts nothing for it', () => {
    const s = overlayInit();
    feed(s, 'windows', pollResult({ A: 3 }, 100, 500, true), 500);
    feed(s, 'poll', { question: 'Q', options: ['A'] }, 1000);
    expect(overlayPoll(s)!.total).toBe(0);
  });

  it('a poll of the wrong shape clears the poll; long words and many options are cut', () => {
    const s = overlayInit();
    feed(s, 'poll', { question: 'x'.repeat(300), options: Array.from({ length: 12 }, (_, i) => `${i}`.repeat(100)) }, 1);
    expect(overlayPoll(s)!.question).toHaveLength(200);
    expect(overlayPoll(s)!.options).toHaveLength(10);
    expect(overlayPoll(s)!.options[1]!.label).toHaveLength(80);
    feed(s, 'poll', { question: 'no options' }, 2);
    expect(overlayPoll(s)).toBeNull();
  });

  it('keeps the latest chat lines, drops deleted ones, ignores what is not a line', () => {
    const s = overlayInit();
    for (let i = 1; i <= 5; i++) feed(s, 'chat', { type: 'chat', id: `c${i}`, displayName: `v${i}`, text: `line ${i}`, deleted: false }, i, 3);
    expect(s.chat.map((c) => c.text)).toEqual(['line 3', 'line 4', 'line 5']);
    expect(feed(s, 'chat', { type: 'chat-delete', id: 'c4' }, 6, 3)).toBe('chat');
    expect(s.chat.map((c) => c.id)).toEqual(['c3', 'c5']);
    expect(feed(s, 'chat', 'plain words', 7, 3)).toBe('chat');
    expect(s.chat.at(-1)).toMatchObject({ name: 'viewer', text: 'plain words' });
    expect(feed(s, 'chat', { type: 'chat', id: 'c9', text: 'gone', deleted: true }, 8, 3)).toBeNull();
    expect(feed(s, 'chat', 42, 9, 3)).toBeNull();
    expect(s.chat).toHaveLength(3);
  });

  it('shows a score as a match or as rows', () => {
    const s = overlayInit();
    feed(s, 'score', { home: 2, away: 1, homeName: 'Lions', awayName: 'Bears' }, 1);
    expect(overlayScore(s)).toMatchObject({ kind: 'match', text: 'Lions 2 – 1 Bears' });
    feed(s, 'score', { home: 3 }, 2);
    expect(overlayScore(s)!.text).toBe('Home 3 – 0 Away');
    feed(s, 'score', { lap: 12, leader: 'Ada', gaps: { second: 1.2 } }, 3);
    expect(overlayScore(s)).toEqual({ kind: 'rows', rows: [['lap', '12'], ['leader', 'Ada'], ['gaps', '{"second":1.2}']], text: 'lap 12, leader Ada, gaps {"second":1.2}' });
    feed(s, 'score', [1, 2], 4);
    expect(overlayScore(s)).toBeNull();
  });

  it('lists the six most frequent reactions; other windows change nothing shown', () => {
    const s = overlayInit();
    expect(feed(s, 'windows', { window: 'messages', start: 0, end: 1, groups: { all: 9 } }, 1)).toBeNull();
    expect(feed(s, 'windows', { nope: true }, 1)).toBeNull();
    expect(feed(s, 'windows', { window: 'reactions', start: 0, end: 1, groups: { a: 1, b: 7, c: 3, d: 2, e: 5, f: 4, g: 6 } }, 2)).toBe('reactions');
    expect(overlayReactions(s)).toEqual([['b', 7], ['g', 6], ['e', 5], ['f', 4], ['c', 3], ['d', 2]]);
  });

  it('stands alone: each function can be inlined into a page', () => {
    // The overlay page inlines them with toString(): no module-level name may be used inside.
    const body = [overlayApply, overlayPoll, overlayScore, overlayReactions, overlayInit, overlayChannels].map((f) => f.toString()).join('\n');
    expect(body).not.toMatch(/OVERLAY_|import\(/);
  });
});
