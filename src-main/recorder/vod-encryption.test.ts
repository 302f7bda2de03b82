import { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contentKey, kidOf } from '../servers/hls/ll/content-keys.js';
import { CBCS_PREFIX, ENCRYPTED_SEGMENT_PREFIX, encryptVodPlaylist, initOfSegment, parseEncryptedName, protectVodMpd, segmentNumberOf, streamThatMade, VodKeys } from './vod-encryption.js';

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

  it('gives its DASH manifest Common Encryption: cbcs- names, and in each AdaptationSet the key id and the licence server', () => {
    const mpd = [
      '<?xml version="1.0" encoding="utf-8"?>',
      '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT9.0S">',
      '\t<Period id="0" start="PT0.0S">',
      '\t\t<AdaptationSet id="0" contentType="video" segmentAlignment="true">',
      '\t\t\t<Representation id="0" mimeType="video/mp4" codecs="avc1.64001f" bandwidth="800000" width="640" height="360">',
      '\t\t\t\t<SegmentTemplate timescale="15360" initialization="init-g1-stream$RepresentationID$.m4s" media="chunk-g1-stream$RepresentationID$-$Number%05d$.m4s" startNumber="1"/>',
      '\t\t\t</Representation>',
      '\t\t</AdaptationSet>',
      '\t\t<AdaptationSet id="1" contentType="audio">',
      '\t\t\t<Representation id="1" mimeType="audio/mp4" codecs="mp4a.40.2" bandwidth="128000">',
      '\t\t\t\t<SegmentTemplate timescale="48000" initialization="init-g1-stream$RepresentationID$.m4s" media="chunk-g1-stream$RepresentationID$-$Number%05d$.m4s" startNumber="1"/>',
      '\t\t\t</Representation>',
      '\t\t</AdaptationSet>',
      '\t\t<AdaptationSet contentType="text" mimeType="text/vtt" lang="en"><Representation id="sub-en" bandwidth="256"><BaseURL>subs/en.vtt</BaseURL></Representation></AdaptationSet>',
      '\t</Period>',
      '</MPD>',
    ].join('\n');
    const keys = new VodKeys('rec_abc', 30, 'master');
    const out = protectVodMpd(mpd, keys.cbcsKid, '//edge.example:8443/vod/rec_abc/licence?exp=1&sig=a');
    expect(out).toContain('<MPD xmlns:cenc="urn:mpeg:cenc:2013" xmlns:dashif="https://dashif.org/CPS" xmlns="urn:mpeg:dash:schema:mpd:2011"');
    expect(out.match(/<ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cbcs" cenc:default_KID="[0-9a-f-]{36}"\/>/g)).toHaveLength(2);
    expect(out).toContain(`cenc:default_KID="${keys.cbcsKid.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5')}"`);
    expect(out.match(/<dashif:Laurl>\/\/edge\.example:8443\/vod\/rec_abc\/licence\?exp=1&amp;sig=a<\/dashif:Laurl>/g)).toHaveLength(2);
    expect(out).toContain(`initialization="${CBCS_PREFIX}init-g1-stream$RepresentationID$.m4s" media="${CBCS_PREFIX}chunk-g1-stream$RepresentationID$-$Number%05d$.m4s"`);
    // Subtitles stay clear: no ContentProtection in their AdaptationSet.
    expect(out).toContain('<AdaptationSet contentType="text" mimeType="text/vtt" lang="en"><Representation id="sub-en" bandwidth="256"><BaseURL>subs/en.vtt</BaseURL>');
    // Each ContentProtection right after its AdaptationSet's opening tag, as the schema orders them.
    expect(out.indexOf('<ContentProtection')).toBeGreaterThan(out.indexOf('<AdaptationSet id="0"'));
    expect(out.indexOf('<ContentProtection')).toBeLessThan(out.indexOf('<Representation id="0"'));
    // Already declared namespaces are not declared twice.
    expect(protectVodMpd(out.replaceAll(CBCS_PREFIX, ''), keys.cbcsKid, '//h/l').match(/xmlns:cenc=/g)).toHaveLength(1);
  });

  it('names the initialization section of a segment, and has one cbcs key of its own, apart from the AES-128 keys', () => {
    expect(initOfSegment('chunk-g1-stream0-00042.m4s')).toBe('init-g1-stream0.m4s');
    expect(initOfSegment('chunk-k3x-stream12-00001.m4s')).toBe('init-k3x-stream12.m4s');
    for (const other of ['init-g1-stream0.m4s', 'media_0.m3u8', 'chunk-.m4s', 'aes-r30-chunk-g1-stream0-00001.m4s']) expect([other, initOfSegment(other)]).toEqual([other, null]);
    const keys = new VodKeys('rec_abc', 30, 'master');
    expect(keys.cbcsKid).toMatch(/^[0-9a-f]{16}0{16}$/);
    expect(keys.cbcsKid.slice(0, 16)).not.toBe(keys.epoch);
    expect(keys.cbcsKey()).toEqual(contentKey('master', 'vod/rec_abc', keys.cbcsKid));
    expect(keys.cbcsIv).toHaveLength(16);
    // The same for the same recording (a segment is one object wherever it is served); another recording's differ.
    const again = new VodKeys('rec_abc', 1, 'master');
    expect([again.cbcsKid, again.cbcsIv]).toEqual([keys.cbcsKid, keys.cbcsIv]);
    expect(new VodKeys('rec_abd', 30, 'master').cbcsKid).not.toBe(keys.cbcsKid);
    // The AES-128 key route does not hand it out.
    expect(keys.keyOf(keys.cbcsKid, 1000)).toBeNull();
  });
});
