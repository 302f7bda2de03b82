import { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contentKey, kidOf } from '../servers/hls/ll/content-keys.js';
import { ENCRYPTED_SEGMENT_PREFIX, encryptVodPlaylist, parseEncryptedName, segmentNumberOf, streamThatMade, VodKeys } from './vod-encryption.js';

const PLAYLIST = [
  '#EXTM3U',
  '#EXT-X-VERSION:7',
  '#EXT-X-TARGETDURATION:4',
  '#EXT-X-MEDIA-SEQUENCE:1',
  '#EXT-X-PLAYLIST-TYPE:VOD',
  '#EXT-X-MAP:URI="init-g1-stream0.m4s"',
  '#EXTINF:4.000000,',
  'chunk-g1-stream0-00001.m4s',
  '#EXTINF:4.000000,',
  'chunk-g1-stream0-00002.m4s',
  '#EXTINF:2.500000,',
  'chunk-g1-stream0-00003.m4s',
  '#EXT-X-ENDLIST',
  '',
].join('\n');

describe('an encrypted recording\'s VOD', () => {
  it('knows the stream that made a recording, and not a stream that took its name after', () => {
    const stream = { name: 'show', createdAt: 1_000 };
    expect(streamThatMade(stream, { startedAt: 5_000 })).toBe(stream);
    expect(streamThatMade(stream, { startedAt: 1_000 })).toBe(stream);
    expect(streamThatMade(stream, { startedAt: 999 })).toBeUndefined();
    expect(streamThatMade(undefined, { startedAt: 5_000 })).toBeUndefined();
  });

  it('reads the number at the end of a segment\'s name', () => {
    expect(segmentNumberOf('chunk-g1-stream0-00042.m4s')).toBe(42);
    expect(segmentNumberOf('init-g1-stream0.m4s')).toBe(0);
    expect(segmentNumberOf('weird')).toBe(0);
  });

  it('names every segment encrypted under a key with its own IV, after the clear initialization section', () => {
    const keys = new VodKeys('rec_abc', 2, 'master');
    const text = encryptVodPlaylist(PLAYLIST, keys, 'exp=1&sig=x');
    const lines = text.split('\n');
    const segs = lines.filter((l) => l.startsWith('chunk') || l.startsWith(ENCRYPTED_SEGMENT_PREFIX));
    expect(segs).toEqual(['aes-r2-chunk-g1-stream0-00001.m4s', 'aes-r2-chunk-g1-stream0-00002.m4s', 'aes-r2-chunk-g1-stream0-00003.m4s']);
    const keyLines = lines.filter((l) => l.startsWith('#EXT-X-KEY'));
    expect(keyLines).toHaveLength(3);
    expect(keyLines[0]).toBe(`#EXT-X-KEY:METHOD=AES-128,URI="keys/${kidOf(keys.epoch, 0)}?exp=1&sig=x",IV=0x${keys.ivOf('chunk-g1-stream0-00001.m4s').toString('hex')}`);
    expect(keyLines[1]).toContain(`keys/${kidOf(keys.epoch, 1)}?`); // 2 / 2: the next key period
    expect(new Set(keyLines.map((l) => /IV=(0x[0-9a-f]+)/.exec(l)![1])).size).toBe(3);
    expect(lines.indexOf('#EXT-X-MAP:URI="init-g1-stream0.m4s"')).toBeLessThan(lines.indexOf(keyLines[0]!));
    expect(text).toContain('#EXT-X-ENDLIST');
  });

  it('encrypts a segment as a browser decrypts it with the key its kid names, and knows no other key', async () => {
    const keys = new VodKeys('rec_abc', 2, 'master');
    const file = 'chunk-g1-stream0-00003.m4s';
    const clear = Buffer.from('a segment of the recording');
    const sealed = keys.encrypt(file, clear);
    const kid = keys.kidOf(file);
    const key = keys.keyOf(kid, 3)!;
    expect(key.equals(contentKey('master', 'vod/rec_abc', kid))).toBe(true);
    const k = await webcrypto.subtle.importKey('raw', key, { name: 'AES-CBC' }, false, ['decrypt']);
    expect(Buffer.from(await webcrypto.subtle.decrypt({ name: 'AES-CBC', iv: keys.ivOf(file) }, k, sealed)).equals(clear)).toBe(true);
    // A period past the recording, another recording's epoch, not a kid: none.
    expect(keys.keyOf(kidOf(keys.epoch, 5), 3)).toBeNull();
    expect(keys.keyOf(kidOf(new VodKeys('rec_other', 2, 'master').epoch, 0), 3)).toBeNull();
    expect(keys.keyOf('nope', 3)).toBeNull();
  });

  it('reads the clear file and the rotation an encrypted name stands for', () => {
    expect(parseEncryptedName('aes-r30-chunk-g1-stream0-00042.m4s')).toEqual({ file: 'chunk-g1-stream0-00042.m4s', rotation: 30 });
    expect(parseEncryptedName('aes-chunk-g1-stream0-00042.m4s')).toEqual({ file: 'chunk-g1-stream0-00042.m4s', rotation: null });
    expect(parseEncryptedName('aes-r10000-x.m4s')).toEqual({ file: 'x.m4s', rotation: 10_000 });
    for (const bad of ['aes-r0-x.m4s', 'aes-r10001-x.m4s']) expect([bad, parseEncryptedName(bad)]).toEqual([bad, null]);
    expect(parseEncryptedName('chunk-g1-stream0-00042.m4s')).toBeNull();
    expect(new VodKeys('rec_abc', 0, 'master').encryptedName('c-1.m4s')).toBe('aes-r1-c-1.m4s');
  });

  it('encrypts under the rotation a name says, and gives the key of any rotation\'s period within the VOD', () => {
    const keys = new VodKeys('rec_abc', 2, 'master');
    const file = 'chunk-g1-stream0-00003.m4s';
    const clear = Buffer.from('a segment of the recording');
    expect(keys.encrypt(file, clear, 2).equals(keys.encrypt(file, clear))).toBe(true);
    expect(keys.encrypt(file, clear, 1).equals(keys.encrypt(file, clear))).toBe(false);
    // Segment 3 under a rotation of 1 is period 3: its key is given though a rotation of 2 never makes it.
    expect(keys.keyOf(keys.kidOf(file, 1), 3)).not.toBeNull();
  });
});
