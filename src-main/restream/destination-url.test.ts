import { describe, expect, it } from 'vitest';
import { destinationPresetSchema } from '../../src-shared/contract/restream.js';
import { defaultLabel, kindOf, PRESETS, redactSecret, validateDestination } from './destination-url.js';

const ok = (url: string, key?: string, fallbackKey?: string) => {
  const result = validateDestination({ url, ...(key !== undefined ? { key } : {}) }, { fallbackKey: fallbackKey ?? null });
  if (!result.ok) throw new Error(`expected ok, got ${result.error.message}`);
  return result.value;
};

const fieldOf = (url: string, key?: string) => {
  const result = validateDestination({ url, ...(key !== undefined ? { key } : {}) });
  if (result.ok) throw new Error(`expected an error for ${url}`);
  expect(result.error.code).toBe('VALIDATION_FAILED');
  return result.error.details!.fields![0]!;
};

describe('validateDestination: accepted', () => {
  it.each([
    // [url, key, kind, stored url, publish url]
    ['rtmp://a.rtmp.youtube.com/live2', 'abcd-efgh-ijkl-mnop', 'youtube', 'rtmp://a.rtmp.youtube.com/live2', 'rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl-mnop'],
    ['rtmp://a.rtmp.youtube.com/live2/abcd-efgh', undefined, 'youtube', 'rtmp://a.rtmp.youtube.com/live2', 'rtmp://a.rtmp.youtube.com/live2/abcd-efgh'],
    ['  RTMP://Live.Twitch.TV/app/  ', ' live_123_abc ', 'twitch', 'rtmp://live.twitch.tv/app', 'rtmp://live.twitch.tv/app/live_123_abc'],
    ['rtmps://fa723fc1b171.global-contribute.live-video.net/app', 'sk_us-west-2_Xyz', 'kick', 'rtmps://fa723fc1b171.global-contribute.live-video.net/app', 'rtmps://fa723fc1b171.global-contribute.live-video.net/app/sk_us-west-2_Xyz'],
    ['rtmp://sea02.contribute.live-video.net/app', 'live_1', 'twitch', 'rtmp://sea02.contribute.live-video.net/app', 'rtmp://sea02.contribute.live-video.net/app/live_1'],
    ['rtmps://live-api-s.facebook.com:443/rtmp/', 'FB-123-0-AbC?s_bl=1&s_psm=1&a=Zz', 'facebook', 'rtmps://live-api-s.facebook.com:443/rtmp', 'rtmps://live-api-s.facebook.com:443/rtmp/FB-123-0-AbC?s_bl=1&s_psm=1&a=Zz'],
    ['rtmp://127.0.0.1:1935/live', 'k1', 'custom', 'rtmp://127.0.0.1:1935/live', 'rtmp://127.0.0.1:1935/live/k1'],
    ['rtmp://wowza.example.com/app/_definst_', 'stream1', 'custom', 'rtmp://wowza.example.com/app/_definst_', 'rtmp://wowza.example.com/app/_definst_/stream1'],
    ['rtmp://nginx.example.com/live/my/stream', undefined, 'custom', 'rtmp://nginx.example.com/live', 'rtmp://nginx.example.com/live/my/stream'],
    ['rtmp://[::1]:1935/live', 'k', 'custom', 'rtmp://[::1]:1935/live', 'rtmp://[::1]:1935/live/k'],
    ['srt://ingest.example.com:9000', 'publish:abc', 'custom', 'srt://ingest.example.com:9000', 'srt://ingest.example.com:9000?streamid=publish:abc'],
    ['srt://10.0.0.5:9000?streamid=#!::r=live/key,m=publish&latency=200000', undefined, 'custom', 'srt://10.0.0.5:9000?latency=200000', 'srt://10.0.0.5:9000?latency=200000&streamid=#!::r=live/key,m=publish'],
    ['srt://10.0.0.5:9000/?streamid=publish%3Aabc&mode=caller', undefined, 'custom', 'srt://10.0.0.5:9000', 'srt://10.0.0.5:9000?streamid=publish:abc'],
    ['srt://10.0.0.5:9000', undefined, 'custom', 'srt://10.0.0.5:9000', 'srt://10.0.0.5:9000'],
  ] as const)('%s + %s', (url, key, kind, stored, publish) => {
    const value = ok(url, key);
    expect(value).toMatchObject({ kind, url: stored, publishUrl: publish });
    expect(value.url).not.toContain(value.key ?? '\u0000');
  });

  it('keeps the stored key when an update changes only the server', () => {
    expect(ok('rtmp://b.rtmp.youtube.com/live2', undefined, 'stored-key-1').publishUrl).toBe('rtmp://b.rtmp.youtube.com/live2/stored-key-1');
    // A key in the new URL wins over the stored one.
    expect(ok('rtmp://b.rtmp.youtube.com/live2/new-key', undefined, 'stored-key-1').key).toBe('new-key');
  });
});

describe('validateDestination: refused with a field error', () => {
  it.each([
    ['', undefined, 'url', /required/],
    ['a.rtmp.youtube.com/live2', 'k', 'url', /must start with rtmp:\/\//],
    ['http://example.com/live', 'k', 'url', /unsupported scheme "http:\/\/"/],
    ['rtmpt://example.com/live', 'k', 'url', /unsupported scheme/],
    ['rtmp://', 'k', 'url', /no host/],
    ['rtmp:///live', 'k', 'url', /no host/],
    ['rtmp://:1935/live', 'k', 'url', /no host/],
    ['rtmp://exa mple.com/live', 'k', 'url', /spaces/],
    ['rtmp://ex_ample.com/live', 'k', 'url', /not a valid host/],
    ['rtmp://example.com:99999/live', 'k', 'url', /port/],
    ['rtmp://example.com:/live', 'k', 'url', /port/],
    ['rtmp://user:pass@example.com/live', 'k', 'url', /user:password/],
    ['rtmp://example.com', 'k', 'url', /application path/],
    ['rtmp://example.com/live#x', 'k', 'url', /#/],
    ['rtmp://example.com/live', undefined, 'key', /required/],
    ['rtmp://example.com/live', 'two words', 'key', /spaces/],
    ['rtmp://a.rtmp.youtube.com/live2/abcd-efgh', 'abcd-efgh', 'url', /already ends with a stream key/],
    ['rtmp://a.rtmp.youtube.com/live2/other', 'abcd-efgh', 'url', /already ends with a stream key/],
    ['rtmp://example.com/live/k1', 'k1', 'url', /already ends with a stream key/],
    ['srt://example.com', 'k', 'url', /needs a port/],
    ['srt://example.com:9000/live', 'k', 'url', /no path/],
    ['srt://example.com:9000?streamid=abc', 'abc', 'url', /already has a streamid/],
    ['srt://example.com:9000?passphrase=secret123', undefined, 'url', /not supported/],
    ['srt://example.com:9000?mode=listener', undefined, 'url', /caller/],
    ['srt://example.com:9000?foo=1', undefined, 'url', /unsupported SRT option "foo"/],
    ['srt://example.com:9000?streamid=%E0%A4%A', undefined, 'url', /percent-encoding/],
    ['srt://example.com:9000', 'a&b', 'key', /cannot contain "&"/],
  ] as const)('%s + %s', (url, key, path, message) => {
    const field = fieldOf(url, key);
    expect(field.path).toBe(path);
    expect(field.message).toMatch(message);
  });
});

describe('presets and kinds', () => {
  it('offers the four platforms and custom, each valid against the contract, each detected from its own URL', () => {
    expect(PRESETS.map((p) => p.kind)).toEqual(['youtube', 'twitch', 'kick', 'facebook', 'custom']);
    for (const preset of PRESETS) {
      expect(destinationPresetSchema.parse(preset)).toEqual(preset);
      expect(preset.keyHelp.length).toBeGreaterThan(10);
      if (preset.kind !== 'custom') {
        expect(kindOf(preset.url)).toBe(preset.kind);
        expect(ok(preset.url, 'some-key-123').kind).toBe(preset.kind);
      }
    }
  });

  it.each([
    ['rtmp://b.rtmp.youtube.com/live2?backup=1', 'youtube'],
    ['rtmps://live-api-s.facebook.com:443/rtmp/', 'facebook'],
    ['rtmp://youtube.com.evil.example/live2', 'custom'],
    ['rtmp://notyoutube.com/live2', 'custom'],
    ['srt://example.com:9000', 'custom'],
    ['garbage', 'custom'],
  ] as const)('kindOf(%s) = %s', (url, kind) => expect(kindOf(url)).toBe(kind));

  it('labels a custom destination with its host', () => {
    expect(defaultLabel('custom', 'rtmp://restream.example.com/live')).toBe('restream.example.com');
    expect(defaultLabel('twitch', 'rtmp://live.twitch.tv/app')).toBe('Twitch');
  });
});

describe('redactSecret', () => {
  it('replaces the key as is and percent-encoded', () => {
    const key = 'FB-1?s=1&a=b c';
    const text = `rtmps://x/rtmp/${key}: Broken pipe; encoded ${encodeURIComponent(key)}`;
    const out = redactSecret(text, key);
    expect(out).toBe('rtmps://x/rtmp/<key>: Broken pipe; encoded <key>');
    expect(redactSecret('nothing', null)).toBe('nothing');
  });
});
