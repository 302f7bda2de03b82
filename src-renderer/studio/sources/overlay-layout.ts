import type { OverlayChatLine, OverlayPart, OverlayPollView, OverlayScoreView } from '../../../src-shared/overlay-state.js';

/**
 * Where an overlay part's cards, bars and words go on its picture: pure, so tests lay it out with a
 * made-up text width and the source paints what this returns with Canvas 2D. Sizes are for a 1080p
 * program (the scene item scales the picture); the part keeps a fixed picture size, so an item keeps
 * its aspect while the content changes, and draws its card where the page version does (the poll at
 * the bottom left, the chat at the bottom right, the score at the top centre, reactions at the top right).
 */

export const OVERLAY_BOX: Record<OverlayPart, { width: number; height: number }> = {
  poll: { width: 640, height: 560 },
  chat: { width: 560, height: 520 },
  score: { width: 800, height: 110 },
  reactions: { width: 640, height: 96 },
};

/** The card, its words and its colours (the overlay page's, src-main/data/overlay/page.ts). */
export const OVERLAY_COLORS = { card: 'rgba(16, 18, 27, 0.82)', row: 'rgba(255, 255, 255, 0.08)', text: '#f4f5f8', dim: '#a3acbf', name: '#c4b5fd' };
/** The contract's default accent: too dark for words on the card, so chat names then take its light tint. */
const DEFAULT_ACCENT = '#7c5cff';
const FAMILY = "system-ui, -apple-system, 'Segoe UI', sans-serif";
export const font = (px: number, weight = 600): string => `${weight} ${px}px ${FAMILY}`;

export type OverlayOp =
  | { op: 'rect'; x: number; y: number; w: number; h: number; radius: number; fill: string; role?: string }
  | { op: 'text'; x: number; y: number; text: string; font: string; fill: string; align: 'left' | 'right' | 'center'; role?: string };

/** Width of `text` in `font` (Canvas's measureText in the page). */
export type Measure = (text: string, font: string) => number;

export interface OverlayViews {
  poll: OverlayPollView | null;
  chat: readonly OverlayChatLine[];
  score: OverlayScoreView | null;
  reactions: readonly [string, number][];
}

const MARGIN = 20;
const PAD = 18;

/**
 * Words into lines no wider than `width` (the first line `firstWidth`), at most `maxLines`; a word
 * wider than a line is cut by characters; what does not fit ends the last line with an ellipsis.
 */
export function wrapText(text: string, firstWidth: number, width: number, maxLines: number, fontSpec: string, measure: Measure): string[] {
  const lines: string[] = [];
  let line = '';
  const limit = () => (lines.length === 0 ? firstWidth : width);
  const fits = (s: string) => measure(s, fontSpec) <= limit();
  const push = () => {
    lines.push(line);
    line = '';
  };
  const words = text.replace(/\s+/g, ' ').trim().split(' ').filter(Boolean);
  let cut = false;
  for (const word of words) {
    if (lines.length >= maxLines) {
      cut = true;
      break;
    }
    const joined = line ? `${line} ${word}` : word;
    if (fits(joined)) {
      line = joined;
      continue;
    }
    if (line) push();
    if (lines.length >= maxLines) {
      cut = true;
      break;
    }
    // A word longer than a whole line: cut it where the line ends.
    let rest = word;
    while (!fits(rest)) {
      let n = rest.length - 1;
      while (n > 1 && !fits(rest.slice(0, n))) n--;
      line = rest.slice(0, n);
      rest = rest.slice(n);
      push();
      if (lines.length >= maxLines) {
        cut = true;
        break;
      }
    }
    if (cut) break;
    line = rest;
  }
  if (line && lines.length < maxLines) push();
  else if (line) cut = true;
  if (cut && lines.length > 0) {
    let last = lines[lines.length - 1]!;
    while (last.length > 0 && !(measure(`${last}…`, fontSpec) <= (lines.length === 1 ? firstWidth : width))) last = last.slice(0, -1);
    lines[lines.length - 1] = `${last.trimEnd()}…`;
  }
  return lines;
}

function pollOps(view: OverlayPollView, accent: string, measure: Measure): OverlayOp[] {
  const box = OVERLAY_BOX.poll;
  const w = box.width - 2 * MARGIN;
  const inner = w - 2 * PAD;
  const qFont = font(28, 700);
  const question = wrapText(view.question, inner, inner, 2, qFont, measure);
  const qHeight = question.length * 36;
  const footer = 30;
  const n = Math.max(1, view.options.length);
  // Rows shrink (down to 30 px) so ten options still fit the picture.
  const room = box.height - 2 * MARGIN - 2 * PAD - qHeight - 10 - footer;
  const step = Math.max(30, Math.min(56, Math.floor(room / n)));
  const rowH = step - 8;
  const h = 2 * PAD + qHeight + 10 + n * step + footer;
  const x = MARGIN;
  const y = box.height - MARGIN - h;
  const ops: OverlayOp[] = [{ op: 'rect', x, y, w, h, radius: 12, fill: OVERLAY_COLORS.card, role: 'card' }];
  question.forEach((line, i) => ops.push({ op: 'text', x: x + PAD, y: y + PAD + 18 + i * 36, text: line, font: qFont, fill: OVERLAY_COLORS.text, align: 'left', role: 'question' }));
  const rowFont = font(Math.round(rowH * 0.5), 600);
  let ry = y + PAD + qHeight + 10;
  for (const o of view.options) {
    ops.push({ op: 'rect', x: x + PAD, y: ry, w: inner, h: rowH, radius: 8, fill: OVERLAY_COLORS.row, role: `row:${o.label}` });
    if (o.percent > 0) ops.push({ op: 'rect', x: x + PAD, y: ry, w: (inner * o.percent) / 100, h: rowH, radius: 8, fill: `${accent.slice(0, 7)}a6`, role: `bar:${o.label}` });
    const count = `${o.votes}${view.total ? ` · ${o.percent}%` : ''}`;
    const countW = measure(count, rowFont);
    const label = wrapText(o.label, inner - countW - 36, inner, 1, rowFont, measure)[0] ?? '';
    ops.push({ op: 'text', x: x + PAD + 10, y: ry + rowH / 2, text: label, font: rowFont, fill: OVERLAY_COLORS.text, align: 'left', role: `label:${o.label}` });
    ops.push({ op: 'text', x: x + PAD + inner - 10, y: ry + rowH / 2, text: count, font: rowFont, fill: OVERLAY_COLORS.text, align: 'right', role: `count:${o.label}` });
    ry += step;
  }
  ops.push({ op: 'text', x: x + PAD, y: y + h - PAD - footer / 2 + 6, text: view.total === 1 ? '1 vote' : `${view.total} votes`, font: font(18, 500), fill: OVERLAY_COLORS.dim, align: 'left', role: 'total' });
  return ops;
}

function chatOps(lines: readonly OverlayChatLine[], accent: string, measure: Measure): OverlayOp[] {
  const box = OVERLAY_BOX.chat;
  const w = box.width - 2 * MARGIN;
  const pad = 12;
  const inner = w - 2 * pad;
  const nameFont = font(22, 700);
  const textFont = font(22, 500);
  const lineH = 30;
  const ops: OverlayOp[] = [];
  // The newest line at the bottom; older ones above it while they fit.
  let bottom = box.height - MARGIN;
  for (let i = lines.length - 1; i >= 0; i--) {
    const c = lines[i]!;
    const name = wrapText(c.name, inner / 2, inner / 2, 1, nameFont, measure)[0] ?? '';
    const nameW = measure(name, nameFont) + 10;
    const text = wrapText(c.text, inner - nameW, inner, 3, textFont, measure);
    const h = Math.max(1, text.length) * lineH + 2 * 8;
    const top = bottom - h;
    if (top < MARGIN) break;
    const x = MARGIN;
    ops.unshift(
      { op: 'rect', x, y: top, w, h, radius: 10, fill: OVERLAY_COLORS.card, role: `line:${c.id}` },
      { op: 'text', x: x + pad, y: top + 8 + lineH / 2, text: name, font: nameFont, fill: accent.toLowerCase() === DEFAULT_ACCENT ? OVERLAY_COLORS.name : accent, align: 'left', role: 'name' },
      ...text.map((t, k): OverlayOp => ({ op: 'text', x: x + pad + (k === 0 ? nameW : 0), y: top + 8 + lineH / 2 + k * lineH, text: t, font: textFont, fill: OVERLAY_COLORS.text, align: 'left', role: 'text' })),
    );
    bottom = top - 8;
  }
  return ops;
}

/** Pieces laid out left to right in one card, centred (the score) or at the right (reactions). */
function rowOps(pieces: { text: string; font: string; fill: string; gapAfter: number }[], box: { width: number; height: number }, place: 'center' | 'right', role: string, measure: Measure): OverlayOp[] {
  if (pieces.length === 0) return [];
  const pad = 22;
  const maxInner = box.width - 2 * MARGIN - 2 * pad;
  const widths = pieces.map((p) => measure(p.text, p.font));
  let inner = widths.reduce((a, b, i) => a + b + (i < pieces.length - 1 ? pieces[i]!.gapAfter : 0), 0);
  // Too wide: the last pieces are left out (a score has at most 8 rows, reactions 6).
  while (inner > maxInner && pieces.length > 1) {
    inner -= widths.pop()! + pieces[pieces.length - 2]!.gapAfter;
    pieces = pieces.slice(0, -1);
  }
  const w = Math.min(box.width - 2 * MARGIN, inner + 2 * pad);
  const h = box.height - 2 * MARGIN;
  const x = place === 'center' ? (box.width - w) / 2 : box.width - MARGIN - w;
  const ops: OverlayOp[] = [{ op: 'rect', x, y: MARGIN, w, h, radius: 12, fill: OVERLAY_COLORS.card, role }];
  let at = x + pad;
  pieces.forEach((p, i) => {
    ops.push({ op: 'text', x: at, y: MARGIN + h / 2, text: p.text, font: p.font, fill: p.fill, align: 'left', role: `${role}:${i}` });
    at += widths[i]! + p.gapAfter;
  });
  return ops;
}

function scoreOps(view: OverlayScoreView, measure: Measure): OverlayOp[] {
  const team = font(28, 600);
  const points = font(42, 800);
  const pieces =
    view.kind === 'match'
      ? [
          { text: view.homeName, font: team, fill: OVERLAY_COLORS.dim, gapAfter: 18 },
          { text: view.home, font: points, fill: '#ffffff', gapAfter: 14 },
          { text: '–', font: team, fill: OVERLAY_COLORS.dim, gapAfter: 14 },
          { text: view.away, font: points, fill: '#ffffff', gapAfter: 18 },
          { text: view.awayName, font: team, fill: OVERLAY_COLORS.dim, gapAfter: 0 },
        ]
      : view.rows.flatMap(([k, v]) => [
          { text: k, font: team, fill: OVERLAY_COLORS.dim, gapAfter: 10 },
          { text: v, font: points, fill: '#ffffff', gapAfter: 28 },
        ]);
  return rowOps(pieces, OVERLAY_BOX.score, 'center', 'score', measure);
}

function reactionOps(top: readonly [string, number][], measure: Measure): OverlayOp[] {
  const f = font(30, 700);
  return rowOps(top.map(([emoji, n]) => ({ text: `${emoji} ${n}`, font: f, fill: OVERLAY_COLORS.text, gapAfter: 20 })), OVERLAY_BOX.reactions, 'right', 'reactions', measure);
}

/** What to paint for `part` (nothing while it has nothing to show: the picture stays transparent). */
export function layoutOverlay(part: OverlayPart, views: OverlayViews, accent: string, measure: Measure): OverlayOp[] {
  switch (part) {
    case 'poll':
      return views.poll ? pollOps(views.poll, accent, measure) : [];
    case 'chat':
      return chatOps(views.chat, accent, measure);
    case 'score':
      return views.score ? scoreOps(views.score, measure) : [];
    case 'reactions':
      return reactionOps(views.reactions, measure);
  }
}
