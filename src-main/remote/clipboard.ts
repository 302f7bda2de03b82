import { openX11Clipboard } from './clipboard.linux.js';

/** The clipboard of one display, shared with its control viewers. */
export interface ClipboardBridge {
  /** Puts text on the display's clipboard (applications there paste it). */
  set(text: string): void;
  close(): void;
}

/** Opens a display's clipboard; `onChange` gets text that an application there copied. */
export type ClipboardOpener = (display: string, onChange: (text: string) => void, onError: (error: Error) => void) => Promise<ClipboardBridge>;

/**
 * The one place that picks the clipboard of this operating system: X selections on Linux. Windows and
 * macOS have no clipboard bridge in this build: sessions there run without clipboard sharing.
 */
export function clipboardFor(platform: NodeJS.Platform): ClipboardOpener | undefined {
  return platform === 'linux' ? openX11Clipboard : undefined;
}
