import { describe, expect, it } from 'vitest';
import { KEY_NAMES } from './input-protocol.js';
import { EVDEV_KEYS, keysymOf, waylandCalls } from './wayland-input.js';

describe('Wayland remote input', () => {
  it('has an evdev code for every key a viewer can send, each code once', () => {
    const names = [...new Set(Object.values(KEY_NAMES))];
    expect(names.filter((n) => EVDEV_KEYS[n] === undefined)).toEqual([]);
    const codes = names.map((n) => EVDEV_KEYS[n]);
    expect(new Set(codes).size).toBe(codes.length);
    // A few from linux/input-event-codes.h.
    expect([EVDEV_KEYS.A, EVDEV_KEYS.Q, EVDEV_KEYS.Z, EVDEV_KEYS.Num1, EVDEV_KEYS.Num0, EVDEV_KEYS.Return, EVDEV_KEYS.LeftShift, EVDEV_KEYS.F12, EVDEV_KEYS.Delete]).toEqual([30, 16, 44, 2, 11, 28, 42, 88, 111]);
  });

  it('types characters by keysym: Latin-1 as itself, the rest as Unicode keysyms, control characters as keys', () => {
    expect(keysymOf('a')).toBe(0x61);
    expect(keysymOf('é')).toBe(0xe9);
    expect(keysymOf('€')).toBe(0x010020ac);
    expect(keysymOf('😀')).toBe(0x0101f600);
    expect(keysymOf('\n')).toBe(0xff0d);
    expect(keysymOf('\t')).toBe(0xff09);
  });

  it('turns agent commands into the compositor calls, in order', () => {
    expect(waylandCalls({ op: 'move', x: 10, y: 20 })).toEqual([{ call: 'move', x: 10, y: 20 }]);
    expect(waylandCalls({ op: 'button', button: 'right', down: true })).toEqual([{ call: 'button', code: 0x111, down: true }]);
    expect(waylandCalls({ op: 'wheel', dx: -1, dy: 3 })).toEqual([{ call: 'scroll', axis: 0, steps: 3 }, { call: 'scroll', axis: 1, steps: -1 }]);
    expect(waylandCalls({ op: 'wheel', dx: 0, dy: 0 })).toEqual([]);
    expect(waylandCalls({ op: 'key', key: 'LeftControl', down: false })).toEqual([{ call: 'keycode', code: 29, down: false }]);
    expect(waylandCalls({ op: 'type', text: 'hi' })).toEqual([
      { call: 'keysym', sym: 0x68, down: true }, { call: 'keysym', sym: 0x68, down: false },
      { call: 'keysym', sym: 0x69, down: true }, { call: 'keysym', sym: 0x69, down: false },
    ]);
    expect(() => waylandCalls({ op: 'key', key: 'NoSuchKey', down: true })).toThrow('unknown key NoSuchKey');
  });
});
