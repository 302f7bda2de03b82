import { openXDisplay } from '../displays/x11-client.linux.js';
import type { ClipboardBridge } from './clipboard.js';

/**
 * The CLIPBOARD selection of one X display, through the pure-JS `x11` package (in-process; the
 * display is named, not taken from $DISPLAY). XFixes says when another client takes the selection;
 * its text is then fetched as UTF8_STRING (else STRING). Setting the clipboard makes a hidden window
 * of ours the owner and answers other clients' requests (TARGETS, UTF8_STRING, STRING, TEXT), as
 * ICCCM asks. Larger than MAX_CLIPBOARD_BYTES (the INCR protocol) is not transferred.
 */

export const MAX_CLIPBOARD_BYTES = 256 * 1024;
const ATOM = 4;
const STRING = 31;
const PROPERTY_CHANGE_MASK = 0x00400000;
/** XFixes: SetSelectionOwner | SelectionWindowDestroy | SelectionClientClose. */
const ALL_SELECTION_EVENTS = 7;
const SELECTION_REQUEST = 30;
const SELECTION_NOTIFY = 31;

type Callback<T> = (error: Error | null, value: T) => void;
interface XEvent {
  type: number;
  name: string;
  time?: number;
  owner?: number;
  requestor?: number;
  selection?: number;
  target?: number;
  property?: number;
  selectionTimestamp?: number;
}
interface XClient {
  AllocID(): number;
  CreateWindow(id: number, parent: number, x: number, y: number, w: number, h: number, border: number, depth: number, cls: number, visual: number, values: object): void;
  InternAtom(onlyIfExists: boolean, name: string, cb: Callback<number>): void;
  SetSelectionOwner(owner: number, selection: number, time: number): void;
  ConvertSelection(requestor: number, selection: number, target: number, property: number, time: number): void;
  GetProperty(del: number, wid: number, name: number, type: number, offset: number, length: number, cb: Callback<{ type: number; data: Buffer; bytesAfter: number }>): void;
  ChangeProperty(mode: number, wid: number, name: number, type: number, format: number, data: Buffer | number[]): void;
  SendEvent(destination: number, propagate: number, mask: number, event: object): void;
  require(name: 'fixes', cb: Callback<{ firstEvent: number; QueryVersion(major: number, minor: number, cb: Callback<number[]>): void; SelectSelectionInput(wid: number, selection: number, mask: number): void }>): void;
  on(event: 'event', cb: (ev: XEvent) => void): void;
  on(event: 'error' | 'end', cb: (error?: Error) => void): void;
  terminate(): void;
}
const promisify = <T>(fn: (cb: Callback<T>) => void): Promise<T> =>
  new Promise((resolve, reject) => fn((error, value) => (error ? reject(error) : resolve(value))));

/** Opens the clipboard of `display`; `onChange` gets the text another client put there. */
export async function openX11Clipboard(display: string, onChange: (text: string) => void, onError: (error: Error) => void): Promise<ClipboardBridge> {
  const { client, screen } = await openXDisplay<XClient>(display);
  const root = screen[0]!.root;
  try {
    const atom = (name: string): Promise<number> => promisify((cb) => client.InternAtom(false, name, cb));
    const [CLIPBOARD, UTF8, TARGETS, TEXT, PROP, INCR] = await Promise.all(
      ['CLIPBOARD', 'UTF8_STRING', 'TARGETS', 'TEXT', 'STREAMS_CLIPBOARD', 'INCR'].map(atom),
    ) as [number, number, number, number, number, number];
    const wid = client.AllocID();
    client.CreateWindow(wid, root, -10, -10, 1, 1, 0, 0, 0, 0, { eventMask: PROPERTY_CHANGE_MASK });
    const fixes = await promisify<Parameters<Parameters<XClient['require']>[1]>[1]>((cb) => client.require('fixes', cb));
    await promisify((cb) => fixes.QueryVersion(5, 0, cb));
    fixes.SelectSelectionInput(wid, CLIPBOARD, ALL_SELECTION_EVENTS);

    let owned: Buffer | undefined;
    let last: string | undefined;
    let closed = false;

    const fetched = (target: number): void => {
      client.GetProperty(1, wid, PROP, 0, 0, MAX_CLIPBOARD_BYTES / 4, (error, prop) => {
        if (error || closed) return;
        if (prop.type === INCR || prop.bytesAfter > 0) return onError(new Error(`clipboard text over ${MAX_CLIPBOARD_BYTES} bytes is not shared`));
        const text = prop.data.toString(target === STRING ? 'latin1' : 'utf8');
        if (text !== last) {
          last = text;
          onChange(text);
        }
      });
    };

    const answer = (ev: XEvent): void => {
      const requestor = ev.requestor!;
      // Obsolete clients leave the property None: the target names it then.
      let property = ev.property || ev.target!;
      if (!owned) property = 0;
      else if (ev.target === TARGETS) client.ChangeProperty(0, requestor, property, ATOM, 32, [TARGETS, UTF8, STRING, TEXT]);
      else if (ev.target === UTF8 || ev.target === TEXT) client.ChangeProperty(0, requestor, property, UTF8, 8, owned);
      else if (ev.target === STRING) client.ChangeProperty(0, requestor, property, STRING, 8, Buffer.from(owned.toString('utf8'), 'latin1'));
      else property = 0;
      client.SendEvent(requestor, 0, 0, { name: 'SelectionNotify', time: ev.time ?? 0, requestor, selection: ev.selection, target: ev.target, property });
    };

    client.on('event', (ev) => {
      if (closed) return;
      if (ev.type === fixes.firstEvent) {
        // Another client owns the clipboard now: ask for its text.
        if (ev.owner && ev.owner !== wid) {
          owned = undefined;
          client.ConvertSelection(wid, CLIPBOARD, UTF8, PROP, ev.selectionTimestamp ?? 0);
        }
      } else if (ev.type === SELECTION_NOTIFY && ev.requestor === wid) {
        if (ev.property) fetched(ev.target!);
        else if (ev.target === UTF8) client.ConvertSelection(wid, CLIPBOARD, STRING, PROP, ev.time ?? 0);
      } else if (ev.type === SELECTION_REQUEST && ev.owner === wid) {
        answer(ev);
      } else if (ev.name === 'SelectionClear') {
        owned = undefined;
      }
    });
    client.on('error', (error) => !closed && error && onError(error));

    return {
      set(text: string): void {
        if (closed) return;
        last = text;
        owned = Buffer.from(text, 'utf8');
        client.SetSelectionOwner(wid, CLIPBOARD, 0);
      },
      close(): void {
        if (closed) return;
        closed = true;
        try {
          client.terminate();
        } catch {
          // Already gone with its display.
        }
      },
    };
  } catch (error) {
    client.terminate();
    throw error;
  }
}
