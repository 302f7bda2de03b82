import { describe, expect, it } from 'vitest';
import { HeldInput, KEY_NAMES, MAX_CLIPBOARD_LENGTH, MAX_TEXT_LENGTH, parseViewerMessage, toDisplayPixel } from './input-protocol.js';

const size = { width: 1280, height: 720 };

describe('parseViewerMessage', () => {
  it('accepts each message type', () => {
    expect(parseViewerMessage('{"t":"move","x":0.5,"y":0.25}')).toEqual({ ok: true, message: { t: 'move', x: 0.5, y: 0.25 } });
    expect(parseViewerMessage('{"t":"button","button":2,"down":true}')).toEqual({ ok: true, message: { t: 'button', button: 2, down: true } });
    expect(parseViewerMessage('{"t":"wheel","dx":0,"dy":-1}')).toEqual({ ok: true, message: { t: 'wheel', dx: 0, dy: -1 } });
    expect(parseViewerMessage('{"t":"key","code":"ShiftLeft","down":false}')).toEqual({ ok: true, message: { t: 'key', code: 'ShiftLeft', down: false } });
    expect(parseViewerMessage(Buffer.from('{"t":"text","text":"héllo"}'))).toEqual({ ok: true, message: { t: 'text', text: 'héllo' } });
    expect(parseViewerMessage('{"t":"ping"}')).toEqual({ ok: true, message: { t: 'ping' } });
    expect(parseViewerMessage('{"t":"clipboard","text":"a\\nb ✓"}')).toEqual({ ok: true, message: { t: 'clipboard', text: 'a\nb ✓' } });
    expect(parseViewerMessage('{"t":"quality","level":"auto"}')).toEqual({ ok: true, message: { t: 'quality', level: 'auto' } });
    expect(parseViewerMessage('{"t":"quality","level":2}')).toEqual({ ok: true, message: { t: 'quality', level: 2 } });
  });

  it.each([
    ['not json', 'not JSON'],
    ['[1]', 'not an object'],
    ['{"t":"move","x":1.5,"y":0}', 'move needs x and y in 0..1'],
    ['{"t":"move","x":"1","y":0}', 'move needs x and y in 0..1'],
    ['{"t":"button","button":3,"down":true}', 'button is 0, 1 or 2'],
    ['{"t":"button","button":0}', 'button needs down: true|false'],
    ['{"t":"wheel","dx":1e9,"dy":0}', 'wheel needs dx and dy (steps)'],
    ['{"t":"key","code":"Hyper","down":true}', 'unknown key code "Hyper"'],
    ['{"t":"key","code":"__proto__","down":true}', 'unknown key code "__proto__"'],
    ['{"t":"exec","cmd":"rm"}', 'unknown message type "exec"'],
    ['{"t":"clipboard","text":7}', `clipboard text is a string of at most ${MAX_CLIPBOARD_LENGTH} characters`],
    ['{"t":"quality","level":4}', 'quality level is "auto" or 0..3'],
    ['{"t":"quality","level":1.5}', 'quality level is "auto" or 0..3'],
    ['{"t":"quality","level":"best"}', 'quality level is "auto" or 0..3'],
  ])('refuses %s', (raw, reason) => {
    expect(parseViewerMessage(raw)).toEqual({ ok: false, reason });
  });

  it('refuses text longer than the limit', () => {
    const raw = JSON.stringify({ t: 'text', text: 'x'.repeat(MAX_TEXT_LENGTH + 1) });
    expect(parseViewerMessage(raw)).toEqual({ ok: false, reason: `text is a string of at most ${MAX_TEXT_LENGTH} characters` });
  });

  it('refuses oversized messages before parsing them', () => {
    expect(parseViewerMessage('x'.repeat(210_000))).toEqual({ ok: false, reason: 'message too large' });
    const clip = JSON.stringify({ t: 'clipboard', text: 'x'.repeat(MAX_CLIPBOARD_LENGTH + 1) });
    expect(parseViewerMessage(clip)).toEqual({ ok: false, reason: `clipboard text is a string of at most ${MAX_CLIPBOARD_LENGTH} characters` });
  });
});

describe('toDisplayPixel', () => {
  it('scales fractions to the display and clamps to its last pixel', () => {
    expect(toDisplayPixel(0.5, 0.5, size)).toEqual({ x: 640, y: 360 });
    expect(toDisplayPixel(1, 1, size)).toEqual({ x: 1279, y: 719 });
    expect(toDisplayPixel(0, 0, size)).toEqual({ x: 0, y: 0 });
  });
});

describe('HeldInput', () => {
  it('maps keys to nut-js names and releases what a viewer still holds', () => {
    const held = new HeldInput();
    expect(held.commands({ t: 'key', code: 'ControlLeft', down: true }, size)).toEqual([{ op: 'key', key: 'LeftControl', down: true }]);
    expect(held.commands({ t: 'key', code: 'KeyA', down: true }, size)).toEqual([{ op: 'key', key: 'A', down: true }]);
    held.commands({ t: 'key', code: 'KeyA', down: false }, size);
    expect(held.commands({ t: 'button', button: 0, down: true, x: 0.25, y: 0.5 }, size)).toEqual([
      { op: 'move', x: 320, y: 360 },
      { op: 'button', button: 'left', down: true },
    ]);
    expect(held.heldCount).toBe(2);
    expect(held.releaseAll()).toEqual([
      { op: 'key', key: 'LeftControl', down: false },
      { op: 'button', button: 'left', down: false },
    ]);
    expect(held.releaseAll()).toEqual([]);
  });

  it('turns text into one type command and pings into nothing', () => {
    const held = new HeldInput();
    expect(held.commands({ t: 'text', text: 'hi' }, size)).toEqual([{ op: 'type', text: 'hi' }]);
    expect(held.commands({ t: 'text', text: '' }, size)).toEqual([]);
    expect(held.commands({ t: 'ping' }, size)).toEqual([]);
  });

  it('knows every letter, digit and modifier of a US keyboard', () => {
    for (const code of ['KeyZ', 'Digit0', 'Numpad9', 'F12', 'ShiftRight', 'AltLeft', 'MetaLeft', 'Enter', 'ArrowUp']) expect(KEY_NAMES[code], code).toBeTruthy();
  });
});
