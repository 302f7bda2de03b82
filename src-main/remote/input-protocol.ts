/**
 * The remote-input protocol. Viewers send JSON messages over the WebRTC data channel; the host checks
 * them here (pure) and turns them into agent commands: absolute positions in display pixels, nut-js
 * key names, button names. Anything malformed is refused, not guessed at.
 */

import { LOWEST_LEVEL } from './quality.js';

export type ButtonName = 'left' | 'middle' | 'right';

/** What the viewer page sends. Pointer positions are fractions of the picture (0..1), display-independent. */
export type ViewerMessage =
  | { t: 'move'; x: number; y: number }
  | { t: 'button'; button: 0 | 1 | 2; down: boolean; x?: number; y?: number }
  | { t: 'wheel'; dx: number; dy: number }
  | { t: 'key'; code: string; down: boolean }
  | { t: 'text'; text: string }
  | { t: 'clipboard'; text: string }
  | { t: 'quality'; level: number | 'auto' }
  | { t: 'ping' };

/** What the input agent of a display executes. */
export type AgentCommand =
  | { op: 'move'; x: number; y: number }
  | { op: 'button'; button: ButtonName; down: boolean }
  | { op: 'wheel'; dx: number; dy: number }
  | { op: 'key'; key: string; down: boolean }
  | { op: 'type'; text: string };

export const MAX_TEXT_LENGTH = 4096;
/** Clipboard text shared either way, in characters (a data-channel message stays under 256 KB). */
export const MAX_CLIPBOARD_LENGTH = 65_536;
const MAX_MESSAGE_BYTES = 200 * 1024;
const BUTTONS: ButtonName[] = ['left', 'middle', 'right'];

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** KeyboardEvent.code (layout-independent position) -> nut-js Key name. */
export const KEY_NAMES: Readonly<Record<string, string>> = {
  ...Object.fromEntries([...LETTERS].map((l) => [`Key${l}`, l])),
  ...Object.fromEntries([...'0123456789'].map((d) => [`Digit${d}`, `Num${d}`])),
  ...Object.fromEntries([...'0123456789'].map((d) => [`Numpad${d}`, `NumPad${d}`])),
  ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`F${i + 1}`, `F${i + 1}`])),
  Escape: 'Escape', Backquote: 'Grave', Minus: 'Minus', Equal: 'Equal', Backspace: 'Backspace', Tab: 'Tab',
  BracketLeft: 'LeftBracket', BracketRight: 'RightBracket', Backslash: 'Backslash', CapsLock: 'CapsLock',
  Semicolon: 'Semicolon', Quote: 'Quote', Enter: 'Return', NumpadEnter: 'Enter', Comma: 'Comma', Period: 'Period',
  Slash: 'Slash', Space: 'Space', ShiftLeft: 'LeftShift', ShiftRight: 'RightShift', ControlLeft: 'LeftControl',
  ControlRight: 'RightControl', AltLeft: 'LeftAlt', AltRight: 'RightAlt', MetaLeft: 'LeftSuper', MetaRight: 'RightSuper',
  ContextMenu: 'Menu', ArrowUp: 'Up', ArrowDown: 'Down', ArrowLeft: 'Left', ArrowRight: 'Right', Insert: 'Insert',
  Delete: 'Delete', Home: 'Home', End: 'End', PageUp: 'PageUp', PageDown: 'PageDown', PrintScreen: 'Print',
  ScrollLock: 'ScrollLock', Pause: 'Pause', NumLock: 'NumLock', NumpadDivide: 'Divide', NumpadMultiply: 'Multiply',
  NumpadSubtract: 'Subtract', NumpadAdd: 'Add', NumpadDecimal: 'Decimal',
};

export type ParseResult = { ok: true; message: ViewerMessage } | { ok: false; reason: string };

const fraction = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1;
const small = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= 100;

/** Checks one data-channel message. */
export function parseViewerMessage(raw: string | Buffer): ParseResult {
  if (raw.length > MAX_MESSAGE_BYTES) return { ok: false, reason: 'message too large' };
  let m: Record<string, unknown>;
  try {
    const value: unknown = JSON.parse(raw.toString());
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, reason: 'not an object' };
    m = value as Record<string, unknown>;
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  switch (m.t) {
    case 'ping':
      return { ok: true, message: { t: 'ping' } };
    case 'move':
      return fraction(m.x) && fraction(m.y) ? { ok: true, message: { t: 'move', x: m.x, y: m.y } } : { ok: false, reason: 'move needs x and y in 0..1' };
    case 'button': {
      if (m.button !== 0 && m.button !== 1 && m.button !== 2) return { ok: false, reason: 'button is 0, 1 or 2' };
      if (typeof m.down !== 'boolean') return { ok: false, reason: 'button needs down: true|false' };
      const at = fraction(m.x) && fraction(m.y) ? { x: m.x, y: m.y } : {};
      return { ok: true, message: { t: 'button', button: m.button, down: m.down, ...at } };
    }
    case 'wheel':
      return small(m.dx) && small(m.dy) ? { ok: true, message: { t: 'wheel', dx: m.dx, dy: m.dy } } : { ok: false, reason: 'wheel needs dx and dy (steps)' };
    case 'key':
      if (typeof m.code !== 'string' || !Object.hasOwn(KEY_NAMES, m.code)) return { ok: false, reason: `unknown key code ${JSON.stringify(m.code)}` };
      if (typeof m.down !== 'boolean') return { ok: false, reason: 'key needs down: true|false' };
      return { ok: true, message: { t: 'key', code: m.code, down: m.down } };
    case 'text':
      if (typeof m.text !== 'string' || m.text.length > MAX_TEXT_LENGTH) return { ok: false, reason: `text is a string of at most ${MAX_TEXT_LENGTH} characters` };
      return { ok: true, message: { t: 'text', text: m.text } };
    case 'clipboard':
      if (typeof m.text !== 'string' || m.text.length > MAX_CLIPBOARD_LENGTH) return { ok: false, reason: `clipboard text is a string of at most ${MAX_CLIPBOARD_LENGTH} characters` };
      return { ok: true, message: { t: 'clipboard', text: m.text } };
    case 'quality':
      if (m.level === 'auto' || (Number.isInteger(m.level) && (m.level as number) >= 0 && (m.level as number) <= LOWEST_LEVEL)) {
        return { ok: true, message: { t: 'quality', level: m.level as number | 'auto' } };
      }
      return { ok: false, reason: `quality level is "auto" or 0..${LOWEST_LEVEL}` };
    default:
      return { ok: false, reason: `unknown message type ${JSON.stringify(m.t)}` };
  }
}

/** A fraction of the picture to a pixel of the display (clamped to its last pixel). */
export function toDisplayPixel(fractionX: number, fractionY: number, size: { width: number; height: number }): { x: number; y: number } {
  return {
    x: Math.min(size.width - 1, Math.max(0, Math.round(fractionX * size.width))),
    y: Math.min(size.height - 1, Math.max(0, Math.round(fractionY * size.height))),
  };
}

/**
 * What is held down on behalf of one viewer, so that its keys and buttons can be released when it
 * leaves (a dropped viewer must not leave Shift pressed on the host).
 */
export class HeldInput {
  private readonly keys = new Set<string>();
  private readonly buttons = new Set<ButtonName>();

  /** The agent commands of a viewer message (none for ping), recording what is held. */
  commands(message: ViewerMessage, size: { width: number; height: number }): AgentCommand[] {
    switch (message.t) {
      case 'move':
        return [{ op: 'move', ...toDisplayPixel(message.x, message.y, size) }];
      case 'button': {
        const button = BUTTONS[message.button]!;
        if (message.down) this.buttons.add(button);
        else this.buttons.delete(button);
        const move: AgentCommand[] = message.x !== undefined && message.y !== undefined ? [{ op: 'move', ...toDisplayPixel(message.x, message.y, size) }] : [];
        return [...move, { op: 'button', button, down: message.down }];
      }
      case 'wheel':
        return [{ op: 'wheel', dx: Math.round(message.dx), dy: Math.round(message.dy) }];
      case 'key': {
        const key = KEY_NAMES[message.code]!;
        if (message.down) this.keys.add(key);
        else this.keys.delete(key);
        return [{ op: 'key', key, down: message.down }];
      }
      case 'text':
        return message.text ? [{ op: 'type', text: message.text }] : [];
      default:
        return [];
    }
  }

  /** Releases everything still held, and forgets it. */
  releaseAll(): AgentCommand[] {
    const out: AgentCommand[] = [
      ...[...this.keys].map((key) => ({ op: 'key' as const, key, down: false })),
      ...[...this.buttons].map((button) => ({ op: 'button' as const, button, down: false })),
    ];
    this.keys.clear();
    this.buttons.clear();
    return out;
  }

  get heldCount(): number {
    return this.keys.size + this.buttons.size;
  }
}
