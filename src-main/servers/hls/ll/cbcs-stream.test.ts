import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LL_VIDEO_INPUT as VIDEO, LL_TRACKS, llTrack, T0 } from '../../../../test-support/ll-fixtures.js';
import { silentLogger } from '../../../core/logger.js';
import { Fmp4StreamReader, type Fmp4Event } from '../../../protocols/cmaf/fmp4-reader.js';
import { psshKids } from '../../../protocols/cmaf/cbcs.js';
import { RunEncryption, type KeyProvider } from './content-keys.js';
import { writeLlMediaPlaylist } from './ll-playlist.js';
import { writeLlMpd } from './ll-mpd.js';
import { LlStream, type LlFiles } from './ll-stream.js';

const KID = '00000000000000aa0000000000000000';

describe('a cbcs run', () => {
  it('has one key for the whole run (no rotation), a constant IV of its own, and asks a provider for SAMPLE-AES', async () => {
    const run = new RunEncryption('show', '00000000000000aa', 2, 'master', null, undefined, 'cbcs');
    expect([run.periodOf(0), run.periodOf(1000)]).toEqual([0, 0]);
    expect(run.kidOf(999)).toBe(KID);
    expect(run.constantIv).toHaveLength(16);
    expect(run.constantIv).toEqual(new RunEncryption('show', '00000000000000aa', 2, 'master', null, undefined, 'cbcs').constantIv);
    expect(run.constantIv).not.toEqual(new RunEncryption('show', '00000000000000bb', 2, 'master', null, undefined, 'cbcs').constantIv);
    const asked: string[] = [];
    const provider: KeyProvider = { key: async (_s, kid, method) => (asked.push(`${kid} ${method}`), Buffer.alloc(16, 1)) };
    await new RunEncryption('show', '00000000000000aa', 2, 'master', provider, undefined, 'cbcs').prepare(0);
    expect(asked).toEqual([`${KID} SAMPLE-AES`]);
  });

  it('lists one SAMPLE-AES ClearKey key before each run\'s EXT-X-MAP, and nothing of AES-128', () => {
    const track = llTrack({
      index: 0, kind: 'video', firstMsn: 4,
      runs: [{ run: 'r1', startMs: T0, segments: [2, 2] }, { run: 'r2', startMs: T0 + 5000, segments: [2], inProgress: 0.4 }],
    });
    const text = writeLlMediaPlaylist(track, { partTargetSec: 0.2, targetDurationSec: 2, query: 'sid=v1', skip: false, renditionReports: [], sampleAesKid: (run) => (run === 'r1' ? KID : KID.replace('aa', 'bb')) });
    const lines = text.split('\n');
    const keys = lines.filter((l) => l.startsWith('#EXT-X-KEY'));
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(`#EXT-X-KEY:METHOD=SAMPLE-AES,URI="data:text/plain;base64,${Buffer.from(KID, 'hex').toString('base64')}",KEYID=0x${KID},KEYFORMAT="org.w3.clearkey",KEYFORMATVERSIONS="1"`);
    expect(keys[1]).toContain(`KEYID=0x${KID.replace('aa', 'bb')}`);
    lines.forEach((l, i) => l.startsWith('#EXT-X-MAP') && expect(lines[i - 1]).toMatch(/^#EXT-X-KEY:METHOD=SAMPLE-AES/));
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

  it('writes a protected init section and hands each fragment its encrypted samples and their senc', () => {
    const fixture = fs.readFileSync(new URL('../../../protocols/cmaf/fixtures/h264-ff51.mp4', import.meta.url));
    const events = new Fmp4StreamReader().push(fixture);
    const init = events[0] as Extract<Fmp4Event, { kind: 'init' }>;
    const samples = (events.slice(1) as Extract<Fmp4Event, { kind: 'fragment' }>[]).flatMap((f) => f.samples);
    const written = new Map<string, Buffer>();
    const files: LlFiles = { write: async (_dir, name, data) => void written.set(name, data), remove: async () => undefined };
    const fragments: { samples: Buffer[]; auxInfo?: readonly Buffer[] }[] = [];
    const stream = new LlStream({
      name: 'show', partTargetSec: 0.2, segmentTargetSec: 0.48, windowSec: 8, minWindowSegments: 2, files, logger: silentLogger(), now: () => 1_000_000,
      encryption: new RunEncryption('show', '00000000000000aa', 2, 'master', null, undefined, 'cbcs'),
      writeFragment: (f) => (fragments.push({ samples: f.samples.map((s) => s.data), ...(f.auxInfo ? { auxInfo: f.auxInfo } : {}) }), Buffer.alloc(1)),
    });
    expect(stream.encryption).toBeNull();
    const run = stream.startRun('r1', '/d/r1', [VIDEO]);
    run.init(0, { trackId: init.track.trackId, timescale: init.track.timescale, codec: init.track.codec }, init.data);
    run.samples(0, samples.map((s) => ({ ...s, keyframe: s.keyframe })));
    const protectedInit = written.get('init-0.mp4')!;
    expect(protectedInit.includes(Buffer.from('encv'))).toBe(true);
    expect(psshKids(protectedInit)).toEqual([KID]);
    expect(fragments.length).toBeGreaterThan(0);
    for (const f of fragments) {
      expect(f.auxInfo?.map((b) => b.toString('latin1', 4, 8))).toEqual(['saiz', 'saio', 'senc']);
    }
    // The samples handed on are not the clear ones (the slices are encrypted past their leaders).
    const clear = samples.slice(0, fragments[0]!.samples.length).map((s) => s.data);
    expect(fragments[0]!.samples.map((b) => b.length)).toEqual(clear.map((b) => b.length));
    expect(fragments[0]!.samples.some((b, i) => !b.equals(clear[i]!))).toBe(true);
  });
});
