import { describe, expect, it } from 'vitest';
import { fontOf, layoutText } from './text-layout.js';

const base = { kind: 'text' as const, text: 'Hello\nWorld!!', fontFamily: 'DejaVu Sans', fontSize: 40, bold: true, italic: false, color: '#ffffff', outline: null, background: null, align: 'left' as const, scrollPxPerSec: 0 };
const measure = (line: string) => line.length * 20;

describe('text layout', () => {
  it('sizes the picture to the longest line with a padding', () => {
    const l = layoutText(base, measure);
    expect(l.padding).toBe(6);
    expect([l.width, l.height]).toEqual([140 + 12, 2 * 50 + 12]);
    expect(l.lines.map((x) => [x.x, x.y])).toEqual([[6, 31], [6, 81]]);
  });
  it('centres and right-aligns lines', () => {
    expect(layoutText({ ...base, align: 'center' }, measure).lines[0]!.x).toBe(6 + 20);
    expect(layoutText({ ...base, align: 'right' }, measure).lines[0]!.x).toBe(6 + 40);
  });
  it('makes room for the outline and the background', () => {
    expect(layoutText({ ...base, outline: { color: '#000000', width: 4 } }, measure).padding).toBe(10);
    expect(layoutText({ ...base, background: '#00000080' }, measure).padding).toBe(16);
  });
  it('a ticker wraps around its own width, with a gap', () => {
    const l = layoutText({ ...base, scrollPxPerSec: 100 }, measure);
    expect(l.width).toBe(152 + 40);
    expect(l.scrollAt(1)).toBe(100);
    expect(l.scrollAt(2)).toBe(200 % 192);
    expect(layoutText(base, measure).scrollAt(5)).toBe(0);
  });
  it('writes the CSS font, refusing odd family names', () => {
    expect(fontOf(base)).toBe('bold 40px DejaVu Sans');
    expect(fontOf({ ...base, italic: true, bold: false, fontFamily: 'x;}body{' })).toBe('italic 40px sans-serif');
  });
});
