import { describe, expect, it } from 'vitest';
import { programOffsets, takeFileName, takeOf } from './takes.js';

describe('a guest take on the program', () => {
  const programs = [
    { id: 'rec_a', startPdt: 10_000, durationSec: 60, recording: false },
    { id: 'rec_b', startPdt: 100_000, durationSec: 0, recording: true },
    { id: 'rec_c', startPdt: null, durationSec: 0, recording: true },
  ];
  it('is placed on each program recording it overlaps, by the seconds between their first frames', () => {
    expect(programOffsets({ startedAt: 12_500, durationSec: 10, lagMs: 0 }, programs, 200_000)).toEqual([{ recordingId: 'rec_a', offsetSec: 2.5 }]);
    // Begun before the recording, and still recording (no duration): reaches now.
    expect(programOffsets({ startedAt: 95_000, durationSec: null, lagMs: 0 }, programs, 200_000)).toEqual([{ recordingId: 'rec_b', offsetSec: -5 }]);
    // Spanning both recordings.
    expect(programOffsets({ startedAt: 65_000, durationSec: 40, lagMs: 0 }, programs, 200_000).map((p) => p.recordingId)).toEqual(['rec_a', 'rec_b']);
    // Between them: none.
    expect(programOffsets({ startedAt: 75_000, durationSec: 10, lagMs: 0 }, programs, 200_000)).toEqual([]);
    // A show whose clock dates frames 1.4 s after they came: the take shows that much later in it.
    expect(programOffsets({ startedAt: 12_500, durationSec: 10, lagMs: 1400 }, programs, 200_000)).toEqual([{ recordingId: 'rec_a', offsetSec: 3.9 }]);
  });

  it("reads a take's tus metadata, and says what is wrong with it", () => {
    const bounds = { from: 0, to: 1_000_000 };
    expect(takeOf({ take: '2', startedAt: '5000', mimetype: 'video/webm;codecs=vp9,opus' }, bounds)).toEqual({ take: 2, startedAt: 5000, mimeType: 'video/webm;codecs=vp9,opus' });
    expect(takeOf({ take: '1', startedAt: '5000', filetype: 'audio/webm' }, bounds)).toMatchObject({ mimeType: 'audio/webm' });
    expect(takeOf({ take: '0', startedAt: '5000', mimetype: 'video/webm' }, bounds)).toHaveProperty('problem', expect.stringContaining('"take"'));
    expect(takeOf({ take: '1.5', startedAt: '5000', mimetype: 'video/webm' }, bounds)).toHaveProperty('problem');
    expect(takeOf({ take: '1', startedAt: '2000000', mimetype: 'video/webm' }, bounds)).toHaveProperty('problem', expect.stringContaining('"startedAt"'));
    expect(takeOf({ take: '1', mimetype: 'video/webm' }, bounds)).toHaveProperty('problem', expect.stringContaining('"startedAt"'));
    expect(takeOf({ take: '1', startedAt: '5000', mimetype: 'video/mp4' }, bounds)).toHaveProperty('problem', expect.stringContaining('"mimetype"'));
  });

  it("names a take's file after the guest, the take and when it began, without characters a file system refuses", () => {
    expect(takeFileName('Ada Lovelace', 2, Date.UTC(2026, 10, 25, 19, 4, 5))).toBe('Ada Lovelace, take 2, 2026-11-25 19-04-05.webm');
    expect(takeFileName('a/b\\c:"d"', 1, 0)).toBe('abcd, take 1, 1970-01-01 00-00-00.webm');
    expect(takeFileName('///', 1, 0)).toBe('guest, take 1, 1970-01-01 00-00-00.webm');
  });
});
