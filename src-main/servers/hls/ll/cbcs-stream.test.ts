import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LL_VIDEO_INPUT as VIDEO, LL_TRACKS, llTrack, T0 } from '../../../../test-support/ll-fixtures.js';
import { silentLogger } from '../../../core/logger.js';
import { Fmp4StreamReader, type Fmp4Event } from '../../../protocols/cmaf/fmp4-reader.js';
import { protectInit, protectSample, psshKids } from '../../../protocols/cmaf/cbcs.js';
import { RunEncryption, type KeyProvider } from './content-keys.js';
import { writeLlMediaPlaylist } from './ll-playlist.js';
import { writeLlMpd } from './ll-mpd.js';
import { LlStream, type LlFiles } from './ll-stream.js';

const KID = '00000000000000aa0000000000000000';
const KID2 = (period: number): string => `00000000000000aa${period.toString(16).padStart(16, '0')}`;

describe('a cbcs run', () => {
  it('rotates its key every N segments, has a constant IV of its own, and asks a provider for SAMPLE-AES', async () => {
    const run = new RunEncryption('show', '00000000000000aa', 2, 'master', null, undefined, 'cbcs');
    expect([run.periodOf(0), run.periodOf(1), run.periodOf(2), run.periodOf(1000)]).toEqual([0, 0, 1, 500]);
    expect(run.kidOf(1)).toBe(KID);
    expect(run.kidOf(999)).toBe(KID2(499));
    expect(run.constantIv).toHaveLength(16);
    expect(run.constantIv).toEqual(new RunEncryption('show', '00000000000000aa', 2, 'master', null, undefined, 'cbcs').constantIv);
    expect(run.constantIv).not.toEqual(new RunEncryption('show', '00000000000000bb', 2, 'master', null, undefined, 'cbcs').constantIv);
    const asked: string[] = [];
    const provider: KeyProvider = { key: async (_s, kid, method) => (asked.push(`${kid} ${method}`), Buffer.alloc(16, 1)) };
    await new RunEncryption('show', '00000000000000aa', 2, 'master', provider, undefined, 'cbcs').prepare(0);
    expect(asked).toEqual([`${KID} SAMPLE-AES`]);
  });

  it('lists a SAMPLE-AES ClearKey key before each run\'s EXT-X-MAP and before the first segment of each later key, and nothing of AES-128', () => {
    const track = llTrack({
      index: 0, kind: 'video', firstMsn: 4,
      runs: [{ run: 'r1', startMs: T0, segments: [2, 2, 2] }, { run: 'r2', startMs: T0 + 7000, segments: [2], inProgress: 0.4 }],
    });
    // Keys rotate every two segments: msn 4-5 key 2, msn 6 key 3, then a new run (msn 7) whose first key is 3 again, and its msn 8 (in progress) key 4.
    const text = writeLlMediaPlaylist(track, {
      partTargetSec: 0.2, targetDurationSec: 2, query: 'sid=v1', skip: false, renditionReports: [],
      sampleAesKid: (msn) => KID2(Math.floor(msn / 2)), sampleAesKeys: (msn) => (msn === 6 ? ['METHOD=SAMPLE-AES,URI="skd://k6",KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1"'] : []),
    });
    const lines = text.split('\n');
    const keys = lines.filter((l) => l.startsWith('#EXT-X-KEY'));
    expect(keys.map((k) => /KEYID=0x(\w+)|URI="(skd:[^"]+)"/.exec(k)!.slice(1).join(''))).toEqual([KID2(2), KID2(3), 'skd://k6', KID2(3), KID2(4)]);
    expect(keys[0]).toBe(`#EXT-X-KEY:METHOD=SAMPLE-AES,URI="data:text/plain;base64,${Buffer.from(KID2(2), 'hex').toString('base64')}",KEYID=0x${KID2(2)},KEYFORMAT="org.w3.clearkey",KEYFORMATVERSIONS="1"`);
    lines.forEach((l, i) => l.startsWith('#EXT-X-MAP') && expect(lines[i - 1]).toMatch(/^#EXT-X-KEY:METHOD=SAMPLE-AES/));
    // The rotated key comes right before its segment (after the previous segment's URI), inside the run.
    const rotatedAt = lines.indexOf(keys[1]!);
    expect(lines[rotatedAt - 1]).toMatch(/\.m4s|\.mp4/);
    expect(lines.slice(rotatedAt, rotatedAt + 4).join('\n')).toContain('#EXT-X-PROGRAM-DATE-TIME');
    expect(text).not.toContain('METHOD=NONE');
  });

  it('puts the cbcs and ClearKey ContentProtection (default_KID, dashif:Laurl) in every AdaptationSet of the MPD', () => {
    const xml = writeLlMpd({
      tracks: LL_TRACKS.map((info) => ({ info, snapshot: llTrack({ index: info.index, kind: info.kind, firstMsn: 10, runs: [{ run: 'r1', startMs: T0, segments: [2, 2, 2] }] }) })),
      availabilityStartMs: T0 - 60_000, publishMs: T0 + 30_000, segmentSec: 2, partSec: 0.2, minimumUpdatePeriodSec: 2, timeShiftBufferDepthSec: 3600,
      targetLatencyMs: 1500, utcTiming: { kind: 'http-iso', url: '/live/show/time' }, query: 'sid=d1',
      protection: { kid: KID, licenceUrl: '//studio.example/live/show/licence?sid=d1&sig=x' },
    });
    expect(xml).toContain('xmlns:cenc="urn:mpeg:cenc:2013" xmlns:dashif="https://dashif.org/CPS"');
    const sets = xml.split('<AdaptationSet').slice(1);
    expect(sets).toHaveLength(2);
    for (const set of sets) {
      expect(set).toContain('<ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cbcs" cenc:default_KID="00000000-0000-00aa-0000-000000000000"/>');
      expect(set).toContain('<ContentProtection schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e" value="ClearKey1.0">');
      expect(set).toContain('<dashif:Laurl>//studio.example/live/show/licence?sid=d1&amp;sig=x</dashif:Laurl>');
      // ContentProtection comes before the Representations (ISO/IEC 23009-1 element order).
      expect(set.indexOf('ContentProtection')).toBeLessThan(set.indexOf('<Representation'));
    }
  });

  it('writes a protected init section and hands each fragment its samples encrypted with its period\'s key, with senc, seig and pssh', () => {
    const fixture = fs.readFileSync(new URL('../../../protocols/cmaf/fixtures/h264-ff51.mp4', import.meta.url));
    const events = new Fmp4StreamReader().push(fixture);
    const init = events[0] as Extract<Fmp4Event, { kind: 'init' }>;
    const samples = (events.slice(1) as Extract<Fmp4Event, { kind: 'fragment' }>[]).flatMap((f) => f.samples);
    const written = new Map<string, Buffer>();
    const files: LlFiles = { write: async (_dir, name, data) => void written.set(name, data), remove: async () => undefined };
    const fragments: { samples: Buffer[]; auxInfo: readonly Buffer[]; pssh: readonly Buffer[] }[] = [];
    const keys = new RunEncryption('show', '00000000000000aa', 2, 'master', null, undefined, 'cbcs');
    const stream = new LlStream({
      name: 'show', partTargetSec: 0.2, segmentTargetSec: 0.48, windowSec: 8, minWindowSegments: 2, files, logger: silentLogger(), now: () => 1_000_000,
      encryption: keys,
      writeFragment: (f) => (fragments.push({ samples: f.samples.map((s) => s.data), auxInfo: f.auxInfo ?? [], pssh: f.pssh ?? [] }), Buffer.alloc(1)),
    });
    expect(stream.encryption).toBeNull();
    const run = stream.startRun('r1', '/d/r1', [VIDEO]);
    run.init(0, { trackId: init.track.trackId, timescale: init.track.timescale, codec: init.track.codec }, init.data);
    run.samples(0, samples.map((s) => ({ ...s, keyframe: s.keyframe })));
    const protectedInit = written.get('init-0.mp4')!;
    expect(protectedInit.includes(Buffer.from('encv'))).toBe(true);
    expect(psshKids(protectedInit)).toEqual([KID]);
    // Each segment's first fragment names its key and the next (a pssh); a fragment under a later key than
    // the init's names it in seig; every sample is encrypted with its fragment's key.
    const { track } = protectInit(init.data, Buffer.from(KID, 'hex'), keys.keyOf(0), keys.constantIv);
    let period = -1;
    let at = 0;
    const periods = new Set<number>();
    for (const f of fragments) {
      if (f.pssh.length > 0) {
        const named = psshKids(Buffer.concat([Buffer.from([0, 0, 0, 8 + f.pssh[0]!.length]), Buffer.from('moof'), f.pssh[0]!]));
        period = Number.parseInt(named[0]!.slice(16), 16);
        expect(named).toEqual([KID2(period), KID2(period + 1)]);
      }
      periods.add(period);
      const types = f.auxInfo.map((b) => b.toString('latin1', 4, 8));
      expect(types).toEqual(period === 0 ? ['saiz', 'saio', 'senc'] : ['saiz', 'saio', 'senc', 'sbgp', 'sgpd']);
      if (period > 0) expect(f.auxInfo[4]!.includes(Buffer.from(KID2(period), 'hex'))).toBe(true);
      f.samples.forEach((data, i) => expect(data).toEqual(protectSample({ ...track, key: keys.keyOf(period) }, samples[at + i]!.data).data));
      at += f.samples.length;
    }
    expect(periods.has(0) && periods.has(1)).toBe(true);
    expect(fragments[0]!.samples.some((b, i) => !b.equals(samples[i]!.data))).toBe(true);
  });
});
