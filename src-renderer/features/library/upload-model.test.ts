import { describe, expect, it } from 'vitest';
import { CHUNK_BYTES, MAX_PARTS, partsFor, secondsLeft, smoothRate, uploadIdOf } from './upload-model.js';

describe('upload model', () => {
  it('splits into parallel parts of at least four chunks, at most a few', () => {
    expect(partsFor(1000)).toBe(1);
    expect(partsFor(8 * CHUNK_BYTES - 1)).toBe(1);
    expect(partsFor(8 * CHUNK_BYTES)).toBe(2);
    expect(partsFor(200 * 1024 * 1024)).toBe(MAX_PARTS);
  });

  it('takes the upload id from the last part of its URL', () => {
    expect(uploadIdOf('http://h:1/api/v1/uploads/abc123')).toBe('abc123');
    expect(uploadIdOf('/api/v1/uploads/a%2Bb/?x=1')).toBe('a+b');
    expect(uploadIdOf(null)).toBeNull();
  });

  it('smooths the rate and says the time left', () => {
    const first = smoothRate(null, 1_000_000, 1000);
    expect(first).toBe(1_000_000);
    // A burst after 300 ms moves the mean a tenth of the way, not all of it.
    expect(smoothRate(first, 3_000_000, 300)).toBeCloseTo(1_000_000 + (10_000_000 - 1_000_000) * 0.1);
    expect(smoothRate(5, 10, 0)).toBe(5);
    expect(secondsLeft(50, 250, 100)).toBe(2);
    expect(secondsLeft(50, 250, null)).toBeNull();
  });
});
