import type { SourceSettings } from '../../../src-shared/contract/scenes.js';

type TextSettings = Extract<SourceSettings, { kind: 'text' }>;

export interface TextLayout {
  font: string;
  width: number;
  height: number;
  lineHeight: number;
  padding: number;
  lines: { text: string; x: number; y: number }[];
  /** For a ticker: how far the text has moved at `tSec`, wrapping at `width`. */
  scrollAt(tSec: number): number;
}

/** The CSS font of a text source. */
export function fontOf(s: TextSettings): string {
  const family = /^[\w -]+$/.test(s.fontFamily) ? s.fontFamily : 'sans-serif';
  return `${s.italic ? 'italic ' : ''}${s.bold ? 'bold ' : ''}${s.fontSize}px ${family}`;
}

/**
 * Where each line of a text source goes in its own picture (pure: `measure` gives a line's width in
 * the font). The picture is as big as the text plus the outline and a padding; a ticker's picture has
 * a gap of one em after the text, so that it wraps around seamlessly.
 */
export function layoutText(s: TextSettings, measure: (line: string) => number): TextLayout {
  const lines = s.text.split('\n');
  const outline = s.outline?.width ?? 0;
  const padding = Math.ceil(outline + s.fontSize * 0.15 + (s.background ? s.fontSize * 0.25 : 0));
  const lineHeight = Math.ceil(s.fontSize * 1.25);
  const widths = lines.map((l) => Math.ceil(measure(l)));
  const textWidth = Math.max(1, ...widths);
  const gap = s.scrollPxPerSec > 0 ? Math.ceil(s.fontSize) : 0;
  const width = textWidth + 2 * padding + gap;
  const height = lines.length * lineHeight + 2 * padding;
  const placed = lines.map((text, i) => {
    const free = textWidth - widths[i]!;
    const x = padding + (s.align === 'center' ? free / 2 : s.align === 'right' ? free : 0);
    return { text, x, y: padding + i * lineHeight + lineHeight / 2 };
  });
  return {
    font: fontOf(s),
    width,
    height,
    lineHeight,
    padding,
    lines: placed,
    scrollAt: (tSec) => (s.scrollPxPerSec > 0 ? (tSec * s.scrollPxPerSec) % width : 0),
  };
}
