import type { AgentCommand } from './input-protocol.js';

/**
 * Remote input for a Wayland desktop: the agent commands (positions in display pixels, nut-js key
 * names) as the calls a compositor's remote-desktop interface takes. Keys go by position (Linux evdev
 * codes, like KeyboardEvent.code: the desktop's own layout makes the symbol), typed text by symbol (X
 * keysyms), buttons by evdev code.
 */
export type WaylandInputCall =
  | { call: 'move'; x: number; y: number }
  | { call: 'button'; code: number; down: boolean }
  | { call: 'scroll'; axis: 0 | 1; steps: number }
  | { call: 'keycode'; code: number; down: boolean }
  | { call: 'keysym'; sym: number; down: boolean };

export const EVDEV_BUTTONS = { left: 0x110, right: 0x111, middle: 0x112 } as const;

const ROW_Q = 'QWERTYUIOP';
const ROW_A = 'ASDFGHJKL';
const ROW_Z = 'ZXCVBNM';

/** nut-js key names (input-protocol's KEY_NAMES values) -> Linux evdev key codes (linux/input-event-codes.h). */
export const EVDEV_KEYS: Readonly<Record<string, number>> = {
  ...Object.fromEntries([...ROW_Q].map((l, i) => [l, 16 + i])),
  ...Object.fromEntries([...ROW_A].map((l, i) => [l, 30 + i])),
  ...Object.fromEntries([...ROW_Z].map((l, i) => [l, 44 + i])),
  ...Object.fromEntries([...'123456789'].map((d, i) => [`Num${d}`, 2 + i])),
  Num0: 11,
  ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`F${i + 1}`, 59 + i])),
  F11: 87, F12: 88,
  Escape: 1, Minus: 12, Equal: 13, Backspace: 14, Tab: 15, LeftBracket: 26, RightBracket: 27, Return: 28,
  LeftControl: 29, Semicolon: 39, Quote: 40, Grave: 41, LeftShift: 42, Backslash: 43, Comma: 51, Period: 52,
  Slash: 53, RightShift: 54, Multiply: 55, LeftAlt: 56, Space: 57, CapsLock: 58, NumLock: 69, ScrollLock: 70,
  NumPad7: 71, NumPad8: 72, NumPad9: 73, Subtract: 74, NumPad4: 75, NumPad5: 76, NumPad6: 77, Add: 78,
  NumPad1: 79, NumPad2: 80, NumPad3: 81, NumPad0: 82, Decimal: 83, Enter: 96, RightControl: 97, Divide: 98,
  Print: 99, RightAlt: 100, Home: 102, Up: 103, PageUp: 104, Left: 105, Right: 106, End: 107, Down: 108,
  PageDown: 109, Insert: 110, Delete: 111, Pause: 119, LeftSuper: 125, RightSuper: 126, Menu: 127,
};

/** The X keysym that types one character (Latin-1 as itself, the rest as Unicode keysyms). */
export function keysymOf(char: string): number {
  const cp = char.codePointAt(0)!;
  if (char === '\n' || char === '\r') return 0xff0d; // Return
  if (char === '\t') return 0xff09; // Tab
  if (char === '\b') return 0xff08; // BackSpace
  if ((cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff)) return cp;
  return 0x01000000 | cp;
}

/** The calls of one command; a key the table does not have is an error the host logs (like the X agent's). */
export function waylandCalls(command: AgentCommand): WaylandInputCall[] {
  switch (command.op) {
    case 'move':
      return [{ call: 'move', x: command.x, y: command.y }];
    case 'button':
      return [{ call: 'button', code: EVDEV_BUTTONS[command.button], down: command.down }];
    case 'wheel': {
      const calls: WaylandInputCall[] = [];
      if (command.dy !== 0) calls.push({ call: 'scroll', axis: 0, steps: Math.round(command.dy) });
      if (command.dx !== 0) calls.push({ call: 'scroll', axis: 1, steps: Math.round(command.dx) });
      return calls;
    }
    case 'key': {
      const code = EVDEV_KEYS[command.key];
      if (code === undefined) throw new Error(`unknown key ${command.key}`);
      return [{ call: 'keycode', code, down: command.down }];
    }
    case 'type':
      return [...command.text].flatMap((char) => {
        const sym = keysymOf(char);
        return [{ call: 'keysym', sym, down: true }, { call: 'keysym', sym, down: false }] as WaylandInputCall[];
      });
  }
}
