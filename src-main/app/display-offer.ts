// The desktop window's screen picker, the parts that need no Electron: what a desktopCapturer source
// list becomes for the page, the page's answer read defensively, and the requests waiting for one.
import type { DisplayChoice, DisplaySourceOffer } from '../../src-shared/contract/index.js';

/** The shape of Electron's DesktopCapturerSource this module reads (NativeImage reduced to what it uses). */
export interface CapturerSourceLike {
  id: string;
  name: string;
  thumbnail: { isEmpty(): boolean; toDataURL(): string };
  appIcon: { isEmpty(): boolean; toDataURL(): string } | null;
}

const imageUrl = (image: CapturerSourceLike['appIcon']): string | null => (image && !image.isEmpty() ? image.toDataURL() : null);

/**
 * desktopCapturer's sources as the page's picker shows them: screens first (in the OS's order), then
 * windows by name; the studio's own window is left out (capturing it shows the studio inside itself),
 * and so are windows without a title (tool tips, shadows and other helpers some desktops list).
 */
export function offerSources(sources: readonly CapturerSourceLike[], ownWindowId?: string): DisplaySourceOffer[] {
  const screens: DisplaySourceOffer[] = [];
  const windows: DisplaySourceOffer[] = [];
  for (const source of sources) {
    const kind = source.id.startsWith('screen:') ? 'screen' : 'window';
    if (kind === 'window' && (source.id === ownWindowId || source.name.trim() === '')) continue;
    const offer: DisplaySourceOffer = { id: source.id, name: source.name.trim() || `Screen ${screens.length + 1}`, kind, thumbnail: imageUrl(source.thumbnail) ?? '', icon: imageUrl(source.appIcon) };
    (kind === 'screen' ? screens : windows).push(offer);
  }
  windows.sort((a, b) => a.name.localeCompare(b.name));
  return [...screens, ...windows];
}

/** The page's answer, or null when it is not one (a page may send anything). */
export function readChoice(raw: unknown): DisplayChoice | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { request, sourceId, audio } = raw as Record<string, unknown>;
  if (typeof request !== 'number' || !Number.isSafeInteger(request)) return null;
  if (sourceId !== null && (typeof sourceId !== 'string' || sourceId.length === 0 || sourceId.length > 200)) return null;
  return { request, sourceId, audio: audio === true };
}

/**
 * Requests waiting for the page's answer, each settled once: by the answer, by its timeout (the page
 * never answered: a reload, a crash), or by `cancelAll` (the window went away). Settling calls `done`
 * with the choice, or null.
 */
export class PendingChoices {
  private next = 1;
  private readonly waiting = new Map<number, { done(choice: DisplayChoice | null): void; timer: ReturnType<typeof setTimeout> }>();

  constructor(private readonly timeoutMs: number) {}

  get size(): number {
    return this.waiting.size;
  }

  open(done: (choice: DisplayChoice | null) => void): number {
    const request = this.next++;
    const timer = setTimeout(() => this.settle(request, null), this.timeoutMs);
    this.waiting.set(request, { done, timer });
    return request;
  }

  /** True when `request` was waiting (an answer to an unknown or settled request is ignored). */
  settle(request: number, choice: DisplayChoice | null): boolean {
    const entry = this.waiting.get(request);
    if (!entry) return false;
    this.waiting.delete(request);
    clearTimeout(entry.timer);
    entry.done(choice);
    return true;
  }

  cancelAll(): void {
    for (const request of [...this.waiting.keys()]) this.settle(request, null);
  }
}
