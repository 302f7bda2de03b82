import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, type StudioConfig } from '../../src-shared/config.js';
import { basesFor, configuredUrls, ingestUrls, playbackUrls, publishUrls, type UrlBases } from './stream-urls.js';

const bases: UrlBases = { http: 'http://10.0.0.5:7070', rtmp: 'rtmp://10.0.0.5:1935', srt: 'srt://10.0.0.5:8890' };

describe('stream URLs', () => {
  it('resolves every base for the client asking', () => {
    const urls = {
      http: (b?: string) => b ?? 'http://127.0.0.1:7070',
      rtmp: (b?: string) => `rtmp://${b ? new URL(b).hostname : '127.0.0.1'}:1935`,
      srt: () => 'srt://127.0.0.1:8890',
    };
    expect(basesFor(urls)).toEqual({ http: 'http://127.0.0.1:7070', rtmp: 'rtmp://127.0.0.1:1935', srt: 'srt://127.0.0.1:8890' });
    expect(basesFor(urls, 'http://studio.lan:7070')).toMatchObject({ http: 'http://studio.lan:7070', rtmp: 'rtmp://studio.lan:1935' });
  });

  it('gives OBS the RTMP application and SRT the publish stream id without the key', () => {
    expect(ingestUrls(bases)).toEqual({
      rtmp: 'rtmp://10.0.0.5:1935/live',
      obsServer: 'rtmp://10.0.0.5:1935/live',
      srt: 'srt://10.0.0.5:8890?streamid=publish:',
    });
  });

  it('puts the key after the application (RTMP) or in the stream id (SRT)', () => {
    expect(publishUrls(bases, 'sk_abc')).toEqual({ rtmp: 'rtmp://10.0.0.5:1935/live/sk_abc', srt: 'srt://10.0.0.5:8890?streamid=publish:sk_abc' });
  });

  it('serves HLS and DASH under /live/<name>', () => {
    expect(playbackUrls(bases, 'show')).toEqual({ hls: 'http://10.0.0.5:7070/live/show/index.m3u8', dash: 'http://10.0.0.5:7070/live/show/manifest.mpd' });
  });
});

describe('configuredUrls', () => {
  it('builds each base from the configured bind and port, read at each call', () => {
    let config: StudioConfig = CONFIG_DEFAULTS;
    const urls = configuredUrls(() => config, () => 'http://127.0.0.1:7070');
    expect(urls.http()).toBe('http://127.0.0.1:7070');
    expect(urls.http('http://studio.lan:7070')).toBe('http://studio.lan:7070');
    config = { ...CONFIG_DEFAULTS, rtmp: { ...CONFIG_DEFAULTS.rtmp, bind: '0.0.0.0', port: 1936 }, srt: { ...CONFIG_DEFAULTS.srt, bind: '10.0.0.5', port: 9000 } };
    expect(urls.rtmp('http://studio.lan:7070')).toBe('rtmp://studio.lan:1936');
    expect(urls.srt('http://studio.lan:7070')).toBe('srt://10.0.0.5:9000');
  });
});
