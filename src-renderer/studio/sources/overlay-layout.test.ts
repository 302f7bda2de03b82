import { describe, expect, it } from 'vitest';
import { layoutOverlay, OVERLAY_BOX, wrapText, type OverlayOp, type OverlayViews } from './overlay-layout.js';

/** Every character half the font's pixel size wide. */
const measure = (text: string, font: string) => text.length * Number(/(\d+)px/.exec(font)![1]) * 0.5;
const none: OverlayViews = { poll: null, chat: [], score: null, reactions: [] };
const rect = (ops: OverlayOp[], role: string) => ops.find((o): o is Extract<OverlayOp, { op: 'rect' }> => o.op === 'rect' && o.role === role);
const texts = (ops: OverlayOp[], role?: string) => ops.filter((o): o is Extract<OverlayOp, { op: 'text' }> => o.op === 'text' && (role === undefined || o.role === role)).map((o) => o.text);
const inside = (ops: OverlayOp[], box: { width: number; height: number }) =>
  ops.filter((o) => o.op === 'rect').every((o) => o.x >= 0 && o.y >= 0 && o.x + o.w <= box.width && o.y + o.h <= box.height);

describe('overlay layout', () => {
  it('wraps words, cuts a word longer than a line, and ends what does not fit with an ellipsis', () => {
    const f = '500 20px x'; // 10 px a character
    expect(wrapText('one two three four', 80, 80, 3, f, measure)).toEqual(['one two', 'three', 'four']);
    expect(wrapText('abcdefghijklmnop', 50, 50, 5, f, measure)).toEqual(['abcde', 'fghij', 'klmno', 'p']);
    expect(wrapText('one two three four five', 80, 80, 2, f, measure)).toEqual(['one two', 'three…']);
    expect(wrapText('short first line then more', 50, 120, 3, f, measure)).toEqual(['short', 'first line', 'then more']);
    expect(wrapText('  ', 80, 80, 2, f, measure)).toEqual([]);
  });

  it('paints nothing while a part has nothing to show (the picture stays transparent)', () => {
    for (const part of ['poll', 'chat', 'score', 'reactions'] as const) expect(layoutOverlay(part, none, '#7c5cff', measure)).toEqual([]);
  });

  it('draws each option of a poll with a bar as wide as its share, the card at the bottom of the picture', () => {
    const poll = { question: 'Who wins?', total: 4, options: [{ label: 'Lions', votes: 3, percent: 75 }, { label: 'Bears', votes: 1, percent: 25 }, { label: 'Draw', votes: 0, percent: 0 }] };
    const ops = layoutOverlay('poll', { ...none, poll }, '#12ab34', measure);
    const row = rect(ops, 'row:Lions')!;
    expect(rect(ops, 'bar:Lions')!.w).toBeCloseTo(row.w * 0.75);
    expect(rect(ops, 'bar:Bears')!.w).toBeCloseTo(row.w * 0.25);
    expect(rect(ops, 'bar:Draw')).toBeUndefined();
    expect(rect(ops, 'bar:Lions')!.fill).toBe('#12ab34a6');
    expect(texts(ops, 'question')).toEqual(['Who wins?']);
    expect(ops.filter((o) => o.role?.startsWith('count:')).map((o) => (o as { text: string }).text)).toEqual(['3 · 75%', '1 · 25%', '0 · 0%']);
    expect(texts(ops, 'total')).toEqual(['4 votes']);
    const card = rect(ops, 'card')!;
    expect(card.y + card.h).toBe(OVERLAY_BOX.poll.height - 20);
    expect(inside(ops, OVERLAY_BOX.poll)).toBe(true);
  });

  it('ten options and a long question still fit the poll picture', () => {
    const poll = { question: 'A very long question that goes on and on about who will win the match tonight and why', total: 1, options: Array.from({ length: 10 }, (_, i) => ({ label: `Option ${i} with a long name that needs cutting`, votes: i === 0 ? 1 : 0, percent: i === 0 ? 100 : 0 })) };
    const ops = layoutOverlay('poll', { ...none, poll }, '#7c5cff', measure);
    expect(texts(ops, 'question')).toHaveLength(2);
    expect(texts(ops, 'question')[1]!.endsWith('…')).toBe(true);
    expect(ops.filter((o) => o.role?.startsWith('row:'))).toHaveLength(10);
    expect(inside(ops, OVERLAY_BOX.poll)).toBe(true);
    expect(texts(ops, 'total')).toEqual(['1 vote']);
  });

  it('stacks chat lines from the bottom, the newest last, and leaves out the oldest that do not fit', () => {
    const chat = Array.from({ length: 8 }, (_, i) => ({ id: `c${i}`, name: `viewer${i}`, text: `message number ${i} `.repeat(i === 7 ? 20 : 1) }));
    const ops = layoutOverlay('chat', { ...none, chat }, '#7c5cff', measure);
    const cards = ops.filter((o): o is Extract<OverlayOp, { op: 'rect' }> => o.op === 'rect');
    expect(cards.at(-1)!.role).toBe('line:c7');
    expect(cards.at(-1)!.y + cards.at(-1)!.h).toBe(OVERLAY_BOX.chat.height - 20);
    // The long newest line wraps to 3 lines and ends with an ellipsis.
    const last = ops.slice(ops.indexOf(cards.at(-1)!));
    expect(last.filter((o) => o.role === 'text')).toHaveLength(3);
    expect(texts(last, 'text').at(-1)!.endsWith('…')).toBe(true);
    // Cards do not overlap, and the oldest were left out.
    for (let i = 1; i < cards.length; i++) expect(cards[i]!.y).toBeGreaterThanOrEqual(cards[i - 1]!.y + cards[i - 1]!.h);
    expect(cards.length).toBeLessThan(8);
    expect(cards[0]!.role).not.toBe('line:c0');
    expect(inside(ops, OVERLAY_BOX.chat)).toBe(true);
    // The default accent is too dark for names: its light tint; another accent is used as it is.
    expect(ops.find((o) => o.role === 'name')!.fill).toBe('#c4b5fd');
    expect(layoutOverlay('chat', { ...none, chat }, '#ffcc00', measure).find((o) => o.role === 'name')!.fill).toBe('#ffcc00');
  });

  it('centres a match score, keeps rows that fit, and puts reactions at the right', () => {
    const match = layoutOverlay('score', { ...none, score: { kind: 'match', homeName: 'Lions', awayName: 'Bears', home: '2', away: '1', text: '' } }, '#7c5cff', measure);
    expect(texts(match)).toEqual(['Lions', '2', '–', '1', 'Bears']);
    const card = rect(match, 'score')!;
    expect(card.x + card.w / 2).toBeCloseTo(OVERLAY_BOX.score.width / 2);
    const rows = Array.from({ length: 8 }, (_, i): [string, string] => [`label${i}`, `value${i}`]);
    const many = layoutOverlay('score', { ...none, score: { kind: 'rows', rows, text: '' } }, '#7c5cff', measure);
    expect(texts(many).length).toBeLessThan(16);
    expect(texts(many).slice(0, 2)).toEqual(['label0', 'value0']);
    expect(inside(many, OVERLAY_BOX.score)).toBe(true);
    const reactions = layoutOverlay('reactions', { ...none, reactions: [['🔥', 12], ['👏', 3]] }, '#7c5cff', measure);
    expect(texts(reactions)).toEqual(['🔥 12', '👏 3']);
    const r = rect(reactions, 'reactions')!;
    expect(r.x + r.w).toBe(OVERLAY_BOX.reactions.width - 20);
  });
});
