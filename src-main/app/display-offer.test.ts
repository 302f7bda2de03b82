import { afterEach, describe, expect, it, vi } from 'vitest';
import { isAppOrigin, isAppPage, type AppPages } from './app-page.js';
import { offerSources, PendingChoices, readChoice, type CapturerSourceLike } from './display-offer.js';

// desktopCapturer's sources as plain objects: Electron's binary cannot run on this machine, so the
// NativeImages are stand-ins with the two methods the offer reads.
const image = (url: string | null) => ({ isEmpty: () => url === null, toDataURL: () => url ?? 'data:,' });
const source = (id: string, name: string, thumb: string | null = `data:image/png;base64,${id}`, icon: string | null = null): CapturerSourceLike => ({
  id,
  name,
  thumbnail: image(thumb),
  appIcon: icon === null ? null : image(icon),
});

describe('offerSources (desktopCapturer stand-ins: no Electron binary here)', () => {
  it('lists screens first in their order, then windows by name, with thumbnails and icons as data URLs', () => {
    const offered = offerSources([
      source('window:7:0', 'Terminal', undefined, 'data:image/png;base64,icon'),
      source('screen:1:0', 'Screen 2'),
      source('window:3:0', 'Browser'),
      source('screen:0:0', 'Screen 1'),
    ]);
    expect(offered.map((o) => [o.kind, o.name])).toEqual([
      ['screen', 'Screen 2'],
      ['screen', 'Screen 1'],
      ['window', 'Browser'],
      ['window', 'Terminal'],
    ]);
    expect(offered[3]).toEqual({ id: 'window:7:0', name: 'Terminal', kind: 'window', thumbnail: 'data:image/png;base64,window:7:0', icon: 'data:image/png;base64,icon' });
  });

  it('leaves out the studio window itself and untitled windows; an empty thumbnail is an empty string', () => {
    const offered = offerSources([source('window:42:0', 'Streams Studio'), source('window:5:0', '   '), source('window:6:0', 'Editor', null), source('screen:0:0', '')], 'window:42:0');
    expect(offered).toEqual([
      { id: 'screen:0:0', name: 'Screen 1', kind: 'screen', thumbnail: 'data:image/png;base64,screen:0:0', icon: null },
      { id: 'window:6:0', name: 'Editor', kind: 'window', thumbnail: '', icon: null },
    ]);
  });
});

describe('readChoice', () => {
  it.each([
    ['a source', { request: 3, sourceId: 'screen:0:0', audio: true }, { request: 3, sourceId: 'screen:0:0', audio: true }],
    ['a cancel', { request: 3, sourceId: null }, { request: 3, sourceId: null, audio: false }],
    ['audio only when true', { request: 1, sourceId: 'window:1:0', audio: 'yes' }, { request: 1, sourceId: 'window:1:0', audio: false }],
  ])('reads %s', (_what, raw, expected) => {
    expect(readChoice(raw)).toEqual(expected);
  });

  it.each([
    ['nothing', undefined],
    ['a string', 'screen:0:0'],
    ['no request', { sourceId: 'screen:0:0' }],
    ['a fractional request', { request: 1.5, sourceId: 'screen:0:0' }],
    ['an empty id', { request: 1, sourceId: '' }],
    ['a numeric id', { request: 1, sourceId: 7 }],
    ['an id too long', { request: 1, sourceId: 'x'.repeat(201) }],
  ])('refuses %s', (_what, raw) => {
    expect(readChoice(raw)).toBeNull();
  });
});

describe('PendingChoices', () => {
  afterEach(() => vi.useRealTimers());

  it('settles a request once with the answer; a second answer or an unknown request is ignored', () => {
    const pending = new PendingChoices(1000);
    const done = vi.fn();
    const id = pending.open(done);
    expect(pending.settle(id, { request: id, sourceId: 'screen:0:0', audio: false })).toBe(true);
    expect(pending.settle(id, { request: id, sourceId: 'window:1:0', audio: false })).toBe(false);
    expect(pending.settle(id + 1, null)).toBe(false);
    expect(done).toHaveBeenCalledTimes(1);
    expect(done).toHaveBeenCalledWith({ request: id, sourceId: 'screen:0:0', audio: false });
    expect(pending.size).toBe(0);
  });

  it('refuses a request the page never answers once its time is up, and every request on cancelAll', () => {
    vi.useFakeTimers();
    const pending = new PendingChoices(1000);
    const late = vi.fn();
    const other = vi.fn();
    const a = pending.open(late);
    const b = pending.open(other);
    expect(b).not.toBe(a);
    vi.advanceTimersByTime(999);
    expect(late).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(late).toHaveBeenCalledWith(null);
    expect(other).toHaveBeenCalledWith(null); // opened at the same time, same timeout
    const c = pending.open(late);
    pending.cancelAll();
    expect(late).toHaveBeenLastCalledWith(null);
    expect(pending.settle(c, null)).toBe(false);
  });
});

describe('isAppPage and isAppOrigin', () => {
  const pages = (host: string | null): AppPages => ({ indexUrl: 'file:///opt/streams/dist/renderer/index.html', hostUrl: () => host });

  it('is the built page from file:// with any route, and the host root page while the server runs', () => {
    const running = pages('http://127.0.0.1:7070');
    expect(isAppPage('file:///opt/streams/dist/renderer/index.html#/studio', running)).toBe(true);
    expect(isAppPage('http://127.0.0.1:7070/#/studio', running)).toBe(true);
    expect(isAppPage('http://127.0.0.1:7070/?x=1#/', running)).toBe(true);
    expect(isAppPage('https://127.0.0.1:7070/', pages('https://127.0.0.1:7070'))).toBe(true);
  });

  it('is never another page of the host, another origin, another file, or the host once stopped', () => {
    const running = pages('http://127.0.0.1:7070');
    expect(isAppPage('http://127.0.0.1:7070/overlay/show', running)).toBe(false);
    expect(isAppPage('http://127.0.0.1:7070/login?code=abc', running)).toBe(false);
    expect(isAppPage('http://127.0.0.1:7071/', running)).toBe(false);
    expect(isAppPage('http://localhost:7070/', running)).toBe(false);
    expect(isAppPage('https://127.0.0.1:7070/', running)).toBe(false);
    expect(isAppPage('file:///tmp/evil/index.html', running)).toBe(false);
    expect(isAppPage('http://127.0.0.1:7070/', pages(null))).toBe(false);
    expect(isAppPage('not a url', running)).toBe(false);
  });

  it('grants by origin only to the host and the built page', () => {
    expect(isAppOrigin('http://127.0.0.1:7070', pages('http://127.0.0.1:7070'))).toBe(true);
    expect(isAppOrigin('file://', pages(null))).toBe(true);
    expect(isAppOrigin('http://127.0.0.1:7070', pages(null))).toBe(false);
    expect(isAppOrigin('https://example.com', pages('http://127.0.0.1:7070'))).toBe(false);
    expect(isAppOrigin('', pages('http://127.0.0.1:7070'))).toBe(false);
  });
});
