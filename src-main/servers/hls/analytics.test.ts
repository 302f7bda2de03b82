import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isValidSid, ViewerAnalytics } from './analytics.js';

describe('ViewerAnalytics', () => {
  let analytics: ViewerAnalytics;

  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
    analytics = new ViewerAnalytics();
    analytics.start();
  });
  afterEach(() => {
    analytics.dispose();
    vi.useRealTimers();
  });

  it('counts viewers per rendition and protocol, switches and bytes', () => {
    const [a, b, c] = [analytics.mintSid('hls'), analytics.mintSid('hls'), analytics.mintSid('dash')];
    analytics.record('demo', { sid: a, protocol: 'hls', rendition: null }); // master
    analytics.record('demo', { sid: a, protocol: 'hls', rendition: '720p', bytes: 1000 });
    analytics.record('demo', { sid: b, protocol: 'hls', rendition: '480p', bytes: 500 });
    analytics.record('demo', { sid: c, protocol: 'dash', rendition: '720p', bytes: 250 });
    analytics.record('demo', { sid: c, protocol: 'dash', rendition: null, bytes: 50 }); // audio: keeps 720p
    analytics.record('demo', { sid: a, protocol: 'hls', rendition: '480p', bytes: 100 }); // a switches down
    expect(analytics.snapshot('demo')).toMatchObject({
      name: 'demo',
      viewers: 3,
      byRendition: { '480p': 2, '720p': 1 },
      byProtocol: { hls: 2, dash: 1 },
      bytesOut: 1900,
      renditionSwitches: 1,
      startupMsP50: null,
    });
    expect(analytics.snapshot('other').viewers).toBe(0);
  });

  it('idles a viewer out after 30 s without a request', () => {
    const [a, b] = [analytics.mintSid(), analytics.mintSid()];
    analytics.record('demo', { sid: a, protocol: 'hls', rendition: '720p' });
    analytics.record('demo', { sid: b, protocol: 'hls', rendition: '720p' });
    vi.advanceTimersByTime(20_000);
    analytics.record('demo', { sid: b, protocol: 'hls', rendition: '720p' });
    vi.advanceTimersByTime(10_001);
    expect(analytics.viewerCount('demo')).toBe(1);
    vi.advanceTimersByTime(25_000);
    expect(analytics.snapshot('demo')).toMatchObject({ viewers: 0, byRendition: {}, byProtocol: {} });
  });

  it('tells listeners at most once per second per stream', () => {
    const heard: string[] = [];
    analytics.onChange((name) => heard.push(name));
    const sid = analytics.mintSid();
    analytics.record('demo', { sid, protocol: 'hls', rendition: '720p', bytes: 10 });
    analytics.record('other', { sid, protocol: 'hls', rendition: '720p', bytes: 10 });
    vi.advanceTimersByTime(0);
    expect(heard).toEqual(['demo', 'other']);
    for (let i = 0; i < 10; i += 1) {
      analytics.record('demo', { sid, protocol: 'hls', rendition: '720p', bytes: 10 });
      vi.advanceTimersByTime(100);
    }
    expect(heard.filter((n) => n === 'demo')).toHaveLength(2);
    analytics.record('demo', { sid, protocol: 'hls', rendition: '720p' }); // nothing changed
    vi.advanceTimersByTime(2_000);
    expect(heard.filter((n) => n === 'demo')).toHaveLength(2);
    vi.advanceTimersByTime(35_000); // the viewer idles out: a change
    expect(heard.filter((n) => n === 'demo')).toHaveLength(3);
  });

  it('takes the median startup time of live viewers', () => {
    const sids = [analytics.mintSid(), analytics.mintSid(), analytics.mintSid()];
    for (const sid of sids) analytics.record('demo', { sid, protocol: 'hls' });
    expect(analytics.reportStartup('demo', sids[0]!, 900)).toBe(true);
    expect(analytics.reportStartup('demo', sids[1]!, 1500)).toBe(true);
    expect(analytics.reportStartup('demo', sids[2]!, 1100)).toBe(true);
    expect(analytics.reportStartup('demo', analytics.mintSid(), 10)).toBe(false);
    expect(analytics.snapshot('demo').startupMsP50).toBe(1100);
  });

  it('mints and derives sids of the documented shape', () => {
    expect(isValidSid(analytics.mintSid('hls'))).toBe(true);
    expect(analytics.mintSid('dash')).toMatch(/^d/);
    const d = analytics.derivedSid('dash', 'demo', '1.2.3.4', 'UA');
    expect(d).toBe(analytics.derivedSid('dash', 'demo', '1.2.3.4', 'UA'));
    expect(d).not.toBe(analytics.derivedSid('dash', 'demo', '1.2.3.5', 'UA'));
    expect(isValidSid(d)).toBe(true);
  });
});
