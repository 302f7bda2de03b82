import { afterEach, describe, expect, it, vi } from 'vitest';
import { linkOf } from '../output/webrtc-client.js';
import { chooseLayer, LayerPicker, shownSizes, type LayerDescription } from './layers.js';

const layer = (encodingId: string, width: number, height: number, active = true): LayerDescription => ({ encodingId, active, width, height, bitrate: 1 });
const three = [layer('f', 1280, 720), layer('h', 640, 360), layer('q', 320, 180)];

describe("a guest's layer for where the studio shows them", () => {
  it('the smallest layer that fills the box (with a little slack), the largest when none does', () => {
    expect(chooseLayer(three, { width: 1280, height: 720 })).toBe('f');
    expect(chooseLayer(three, { width: 1920, height: 1080 })).toBe('f');
    expect(chooseLayer(three, { width: 640, height: 360 })).toBe('h');
    expect(chooseLayer(three, { width: 700, height: 394 })).toBe('h');
    expect(chooseLayer(three, { width: 720, height: 405 })).toBe('f');
    expect(chooseLayer(three, { width: 320, height: 180 })).toBe('q');
    expect(chooseLayer(three, { width: 100, height: 60 })).toBe('q');
  });

  it('not shown on the program or the next scene: the smallest', () => {
    expect(chooseLayer(three, null)).toBe('q');
  });

  it('the default while a layer that might fill the box has not been seen; nothing known: the default', () => {
    const rampingUp = [layer('f', 0, 0, false), layer('h', 640, 360), layer('q', 320, 180)];
    expect(chooseLayer(rampingUp, { width: 1280, height: 720 })).toBeNull();
    expect(chooseLayer(rampingUp, { width: 320, height: 180 })).toBe('q');
    expect(chooseLayer([layer('f', 0, 0), layer('q', 0, 0)], { width: 320, height: 180 })).toBeNull();
  });

  it('the largest box each source is drawn in, crop undone', () => {
    const sizes = shownSizes([
      { sourceId: 'a', width: 320, height: 180 },
      { sourceId: 'a', width: 640, height: 200 },
      { sourceId: 'b', width: 320, height: 180, crop: { left: 0.25, right: 0.25, top: 0, bottom: 0.5 } },
    ]);
    expect(sizes.get('a')).toEqual({ width: 640, height: 200 });
    expect(sizes.get('b')).toEqual({ width: 640, height: 360 });
    expect(sizes.has('c')).toBe(false);
  });
});

describe('LayerPicker', () => {
  afterEach(() => void vi.useRealTimers());

  it('asks the host only when the choice changes, and looks again as the layers become known', async () => {
    vi.useFakeTimers();
    let layers = [layer('f', 0, 0, false), layer('q', 320, 180)];
    const posts: (string | null)[] = [];
    let wanted: string | null = null;
    const picker = new LayerPicker(async (method, body) => {
      if (method === 'POST') {
        posts.push(body!.encodingId);
        wanted = body!.encodingId;
      }
      return { layers, current: 'q', wanted };
    }, 1000);
    picker.showAt({ width: 1280, height: 720 });
    await vi.advanceTimersByTimeAsync(10);
    // f not seen yet: the default, which is what the host has already.
    expect(posts).toEqual([]);
    picker.showAt({ width: 300, height: 170 });
    await vi.advanceTimersByTimeAsync(10);
    expect(posts).toEqual(['q']);
    picker.showAt({ width: 300, height: 170 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(posts).toEqual(['q']);
    picker.showAt({ width: 1280, height: 720 });
    await vi.advanceTimersByTimeAsync(10);
    expect(posts).toEqual(['q', null]);
    layers = [layer('f', 1280, 720), layer('q', 320, 180)];
    await vi.advanceTimersByTimeAsync(1000);
    expect(posts).toEqual(['q', null, 'f']);
    expect(picker.state?.wanted).toBe('f');
    picker.dispose();
  });

  it('a host that fails is asked again at the next look', async () => {
    vi.useFakeTimers();
    let fail = true;
    const posts: (string | null)[] = [];
    const picker = new LayerPicker(async (method, body) => {
      if (fail) throw new Error('HTTP 503');
      if (method === 'POST') posts.push(body!.encodingId);
      return { layers: three, current: 'f', wanted: null };
    }, 1000);
    picker.showAt(null);
    await vi.advanceTimersByTimeAsync(10);
    expect(posts).toEqual([]);
    fail = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(posts).toEqual(['q']);
    picker.dispose();
  });
});

describe('Link headers', () => {
  it('finds the URL of a relation among several links, resolved against the request', () => {
    const header = '<stun:stun.example.net>; rel="ice-server", </live/a/whep/x/layer>; rel="urn:ietf:params:whep:ext:core:layer"';
    expect(linkOf(header, 'urn:ietf:params:whep:ext:core:layer', 'http://h:1/live/a/whep')).toBe('http://h:1/live/a/whep/x/layer');
    expect(linkOf(header, 'urn:ietf:params:whep:ext:core:server-sent-events', 'http://h:1/')).toBeUndefined();
    expect(linkOf(null, 'x', 'http://h:1/')).toBeUndefined();
  });
});
