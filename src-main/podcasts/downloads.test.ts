import { describe, expect, it } from 'vitest';
import { countDownloads, DownloadCounter, isBot, listenerIp, perDay, thresholdBytes, type DownloadRequest } from './downloads.js';

// A one-hour episode of 1000 bytes a second: one minute is 60 000 bytes.
const FILE = 3_600_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 4, 6, 10); // Monday 2024-05-06 10:00 UTC
const APP = 'Overcast/3.0 (+http://overcast.fm/; iOS podcast app)';

/** A GET of `start`..`end` served whole (206), unless told otherwise. */
function req(over: Partial<DownloadRequest> & { start?: number; end?: number } = {}): DownloadRequest {
  const { start = 0, end = MINUTE - 1, ...rest } = over;
  return {
    at: T0, episode: 'ep1', ip: '198.51.100.7', userAgent: APP, method: 'GET', status: 206,
    range: { start, end }, bytes: end - start + 1, fileBytes: FILE, durationSec: 3600, source: 'origin',
    ...rest,
  };
}
/** A whole-file 200 that sent `bytes`. */
const whole = (bytes: number, over: Partial<DownloadRequest> = {}): DownloadRequest => req({ status: 200, range: null, bytes, ...over });

describe('countDownloads: byte ranges', () => {
  it('merges three ranges that together hold a minute into one download', () => {
    const r = countDownloads([
      req({ start: 40_000, end: 59_999, at: T0 + 20_000 }),
      req({ start: 0, end: 19_999 }),
      req({ start: 20_000, end: 39_999, at: T0 + 10_000 }),
    ]);
    expect(r.downloads).toHaveLength(1);
    expect(r.downloads[0]).toMatchObject({ episode: 'ep1', at: T0, day: '2024-05-06', bytes: MINUTE });
  });

  it('counts overlapping bytes once', () => {
    // 0-39 999 and 20 000-59 999 overlap by 20 000: 60 000 distinct bytes, just enough.
    expect(countDownloads([req({ end: 39_999 }), req({ start: 20_000, end: 59_999 })]).downloads[0]?.bytes).toBe(MINUTE);
    // The same 40 000 bytes three times and a bit more are 50 000: short of a minute.
    const r = countDownloads([req({ end: 39_999 }), req({ end: 39_999 }), req({ start: 10_000, end: 49_999 })]);
    expect(r.downloads).toEqual([]);
    expect(r.excluded.tooShort).toBe(3);
  });

  it('counts the bytes sent, not the range asked, from the range start', () => {
    // Asked for the whole file from 0, the transfer was cut after 30 s of audio.
    const r = countDownloads([req({ start: 0, end: FILE - 1, bytes: 30_000 })]);
    expect(r.downloads).toEqual([]);
    expect(r.excluded.tooShort).toBe(1);
  });

  it('leaves out an aborted 200 below a minute and counts one above', () => {
    expect(countDownloads([whole(MINUTE - 1)]).excluded.tooShort).toBe(1);
    expect(countDownloads([whole(MINUTE)]).downloads).toHaveLength(1);
  });

  it('disregards 0-1 probes, alone or before the real ranges', () => {
    const probe = req({ start: 0, end: 1 });
    const alone = countDownloads([probe]);
    expect(alone.downloads).toEqual([]);
    expect(alone.excluded).toEqual({ bots: 0, head: 0, failed: 0, tooShort: 0, probes: 1 });
    const then = countDownloads([probe, req({ start: 0, end: FILE - 1, at: T0 + 1000 })]);
    expect(then.downloads).toHaveLength(1);
    expect(then.downloads[0]!.at).toBe(T0 + 1000);
    expect(then.excluded.probes).toBe(1);
  });

  it('takes the whole file for an episode shorter than a minute', () => {
    const short = { fileBytes: 40_000, durationSec: 40 };
    expect(countDownloads([whole(40_000, short)]).downloads).toHaveLength(1);
    expect(countDownloads([whole(39_999, short)]).downloads).toEqual([]);
  });

  it('adds the header (ID3 tag, artwork) to the minute when it is known', () => {
    expect(thresholdBytes({ fileBytes: FILE, durationSec: 3600 })).toBe(MINUTE);
    // 600 000 bytes of tag, the rest audio: 600 000 + 3 000 000 / 60.
    expect(thresholdBytes({ fileBytes: FILE, durationSec: 3600, headerBytes: 600_000 })).toBe(650_000);
    expect(countDownloads([whole(MINUTE, { headerBytes: 600_000 })]).downloads).toEqual([]);
  });
});

describe('countDownloads: filters', () => {
  it('leaves out bots, HEAD requests and failed statuses', () => {
    const r = countDownloads([
      whole(FILE, { userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' }),
      whole(FILE, { userAgent: '' }),
      whole(0, { method: 'HEAD' }),
      whole(0, { status: 304 }),
      whole(500, { status: 404 }),
    ]);
    expect(r.downloads).toEqual([]);
    expect(r.excluded).toEqual({ bots: 2, head: 1, failed: 2, tooShort: 0, probes: 0 });
  });

  it('knows well-known bots, HTTP libraries and Apple Watch duplicates, and spares apps', () => {
    for (const ua of [
      'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
      'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
      'Overcast/1.0 Podcast Sync (1 subscribers; feed-id=1234567; +http://overcast.fm/)',
      'Podcastindex.org/v0.3.3 (Aggrivate)',
      'curl/8.5.0', 'Wget/1.21.4', 'python-requests/2.31.0', 'Go-http-client/2.0', 'Lavf/60.3.100',
      'atc/1.0 watchOS/7.1 model/Watch5,1 hwp/t8006 build/18R590 (6; dt:201)',
      '(null)/(null) watchOS/5.0.1 model/Watch3,3 hwp/t8004 build/16R381 (6; dt:155)',
      'Mozilla/5.0', '   ',
    ]) expect(isBot(ua), ua).toBe(true);
    for (const ua of [
      APP,
      'AppleCoreMedia/1.0.0.20E252 (iPhone; U; CPU OS 16_4 like Mac OS X; en_us)',
      'Podcasts/1650.20 CFNetwork/1408.0.4 Darwin/22.5.0',
      'PodcastAddict/v5 (+https://podcastaddict.com/; Android podcast app)',
      'Dalvik/2.1.0 (Linux; U; Android 10; CUBOT P30 Build/QP1A.190711.020)',
      'Spotify/8.8.0 iOS/16.5 (iPhone14,5)',
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    ]) expect(isBot(ua), ua).toBe(false);
    expect(isBot('MyApp/1.0', [/^MyApp\//])).toBe(true);
  });
});

describe('countDownloads: listeners and windows', () => {
  it('counts a repeat within 24 hours once and one after 24 hours again', () => {
    expect(countDownloads([whole(FILE), whole(FILE, { at: T0 + 24 * HOUR - 1 })]).downloads).toHaveLength(1);
    const twice = countDownloads([whole(FILE), whole(FILE, { at: T0 + 24 * HOUR })]).downloads;
    expect(twice.map((d) => d.day)).toEqual(['2024-05-06', '2024-05-07']);
  });

  it('follows the guidelines\' example for the "first touch" rolling window', () => {
    // v2.3 section 5.5.1: Mon 22:00, Tue 03:00, Tue 22:15, Wed 23:15 count 1, 0, 1, 1 in the rolling window.
    const mon22 = Date.UTC(2024, 4, 6, 22);
    const at = [mon22, mon22 + 5 * HOUR, mon22 + 24 * HOUR + 15 * 60_000, mon22 + 49 * HOUR + 15 * 60_000];
    const r = countDownloads(at.map((t) => whole(FILE, { at: t })));
    expect(r.downloads.map((d) => d.at)).toEqual([at[0], at[2], at[3]]);
  });

  it('counts a play paused before midnight and resumed after it once', () => {
    const r = countDownloads([req({ end: 39_999, at: Date.UTC(2024, 4, 6, 23, 50) }), req({ start: 40_000, end: 99_999, at: Date.UTC(2024, 4, 7, 0, 10) })]);
    expect(r.downloads).toHaveLength(1);
    expect(r.downloads[0]).toMatchObject({ day: '2024-05-06', bytes: 100_000 });
  });

  it('counts one listener through two edges and the origin once, with every source', () => {
    const r = countDownloads([
      req({ end: 19_999, source: 'edge-b' }),
      req({ start: 20_000, end: 39_999, source: 'origin', at: T0 + 1000 }),
      req({ start: 40_000, end: 59_999, source: 'edge-a', at: T0 + 2000 }),
    ]);
    expect(r.downloads).toHaveLength(1);
    expect(r.downloads[0]!.sources).toEqual(['edge-a', 'edge-b', 'origin']);
  });

  it('counts two user agents behind one IP as two listeners, and two episodes apart', () => {
    expect(countDownloads([whole(FILE), whole(FILE, { userAgent: 'AppleCoreMedia/1.0.0.20E252 (iPhone; U; CPU OS 16_4 like Mac OS X; en_us)' })]).downloads).toHaveLength(2);
    expect(countDownloads([whole(FILE), whole(FILE, { episode: 'ep2' })]).downloads).toHaveLength(2);
  });

  it('takes IPv6 addresses of one /64 as one listener', () => {
    const r = countDownloads([whole(FILE, { ip: '2001:db8:1:2:aaaa::1' }), whole(FILE, { ip: '2001:db8:1:2:bbbb:cccc:dddd:2', at: T0 + HOUR })]);
    expect(r.downloads).toHaveLength(1);
    expect(r.downloads[0]!.ip).toBe('2001:db8:1:2::/64');
    expect(listenerIp('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(listenerIp('203.0.113.9')).toBe('203.0.113.9');
    expect(listenerIp('2001:0DB8::1')).toBe('2001:db8:0:0::/64');
    expect(listenerIp('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(listenerIp('not::an::ip')).toBe('not::an::ip');
  });
});

describe('perDay', () => {
  it('buckets by UTC day, zero days included, episode by episode', () => {
    const { downloads } = countDownloads([
      whole(FILE, { at: Date.UTC(2024, 4, 6, 23, 30) }),
      whole(FILE, { at: Date.UTC(2024, 4, 7, 0, 30), ip: '198.51.100.8' }),
      whole(FILE, { at: Date.UTC(2024, 4, 7, 12), ip: '198.51.100.9' }),
      whole(FILE, { at: Date.UTC(2024, 4, 8, 1), episode: 'ep2' }),
    ]);
    expect(perDay(downloads, '2024-05-05', '2024-05-08')).toEqual([
      { day: '2024-05-05', episode: 'ep1', downloads: 0 },
      { day: '2024-05-06', episode: 'ep1', downloads: 1 },
      { day: '2024-05-07', episode: 'ep1', downloads: 2 },
      { day: '2024-05-08', episode: 'ep1', downloads: 0 },
      { day: '2024-05-05', episode: 'ep2', downloads: 0 },
      { day: '2024-05-06', episode: 'ep2', downloads: 0 },
      { day: '2024-05-07', episode: 'ep2', downloads: 0 },
      { day: '2024-05-08', episode: 'ep2', downloads: 1 },
    ]);
    expect(perDay(downloads, '2024-05-07', '2024-05-07', ['ep3'])).toEqual([{ day: '2024-05-07', episode: 'ep3', downloads: 0 }]);
  });

  it('gives nothing for an empty range and refuses what is not a day or too long', () => {
    expect(perDay([], '2024-05-08', '2024-05-07')).toEqual([]);
    expect(() => perDay([], '2024-02-30', '2024-03-01')).toThrow(RangeError);
    expect(() => perDay([], '2024-5-1', '2024-05-02')).toThrow(RangeError);
    expect(() => perDay([], '2000-01-01', '2024-01-01')).toThrow(RangeError);
  });
});

/** Deterministic random numbers (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Five days of requests: listeners behind a few IPs, ranges, aborts, probes, bots, HEADs and errors. */
function fixture(seed: number, n: number): DownloadRequest[] {
  const rnd = random(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const uas = [APP, 'Podcasts/1650.20 CFNetwork/1408.0.4 Darwin/22.5.0', 'curl/8.5.0', 'AntennaPod/3.2.0'];
  return Array.from({ length: n }, () => {
    const start = pick([0, 0, 0, 1000, 30_000, 120_000]);
    const end = rnd() < 0.1 ? start + 1 : Math.min(FILE - 1, start + Math.floor(rnd() * 150_000));
    const full = end - start + 1;
    return req({
      at: T0 + Math.floor(rnd() * 5 * 24 * HOUR), episode: pick(['ep1', 'ep2', 'ep3']), ip: pick(['198.51.100.1', '198.51.100.2', '2001:db8::1', '2001:db8::2']),
      userAgent: pick(uas), method: rnd() < 0.05 ? 'HEAD' : 'GET', status: pick([206, 206, 206, 200, 304]),
      start, end, bytes: rnd() < 0.2 ? Math.floor(full * rnd()) : full, source: pick(['origin', 'edge-a', 'edge-b']),
    });
  });
}

describe('DownloadCounter', () => {
  const requests = fixture(7, 3000);
  const batch = countDownloads(requests);

  it('has a fixture that exercises every rule', () => {
    expect(batch.downloads.length).toBeGreaterThan(50);
    for (const n of Object.values(batch.excluded)) expect(n).toBeGreaterThan(0);
  });

  it('gives what countDownloads gives, whatever the order requests come in', () => {
    const rnd = random(11);
    const shuffled = [...requests];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    const counter = new DownloadCounter();
    for (const r of shuffled) counter.add(r);
    expect(counter.result()).toEqual(batch);
    expect(counter.downloads()).toEqual(batch.downloads);
    expect(countDownloads(shuffled)).toEqual(batch);
  });

  it('gives the same downloads when flushed every hour as requests arrive in time order', () => {
    const counter = new DownloadCounter();
    const flushed = [];
    let nextFlush = T0 + HOUR;
    for (const r of [...requests].sort((a, b) => a.at - b.at)) {
      while (r.at >= nextFlush) {
        flushed.push(...counter.flush(nextFlush));
        nextFlush += HOUR;
      }
      counter.add(r);
    }
    const rest = counter.result();
    expect([...flushed, ...rest.downloads]).toEqual(batch.downloads);
    expect(rest.excluded).toEqual(batch.excluded);
    // Everything before the last day is settled and forgotten.
    expect(rest.downloads.every((d) => d.at > nextFlush - 25 * HOUR)).toBe(true);
  });
});
