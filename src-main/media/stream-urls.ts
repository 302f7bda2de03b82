import type { StudioConfig } from '../../src-shared/config.js';
import type { Stream, StreamWithKey } from '../../src-shared/contract/index.js';
import { publicHost } from '../http/loopback.js';

/** Where the listeners are reached from, per protocol; each from the client's own address when known. */
export interface StreamUrls {
  /** Base of playback URLs (`http://host:7070`). */
  http(baseUrl?: string): string;
  /** `rtmp://host:1935` */
  rtmp(baseUrl?: string): string;
  /** `srt://host:8890` */
  srt(baseUrl?: string): string;
}

/** The listeners as configured (read at each call), as the asking client reaches them. */
export function configuredUrls(config: () => Pick<StudioConfig, 'rtmp' | 'srt'>, httpUrl: () => string): StreamUrls {
  return {
    http: (baseUrl) => baseUrl ?? httpUrl(),
    rtmp: (baseUrl) => `rtmp://${publicHost(config().rtmp.bind, baseUrl)}:${config().rtmp.port}`,
    srt: (baseUrl) => `srt://${publicHost(config().srt.bind, baseUrl)}:${config().srt.port}`,
  };
}

/** The three bases resolved for one client. */
export interface UrlBases {
  http: string;
  rtmp: string;
  srt: string;
}

export const basesFor = (urls: StreamUrls, baseUrl?: string): UrlBases => ({
  http: urls.http(baseUrl),
  rtmp: urls.rtmp(baseUrl),
  srt: urls.srt(baseUrl),
});

/** Where an encoder publishes (the key is appended by the encoder, or to the SRT stream id). */
export const ingestUrls = (bases: UrlBases): Stream['ingest'] => ({
  rtmp: `${bases.rtmp}/live`,
  obsServer: `${bases.rtmp}/live`,
  srt: `${bases.srt}?streamid=publish:`,
});

export const playbackUrls = (bases: UrlBases, name: string): Stream['playback'] => ({
  hls: `${bases.http}/live/${name}/index.m3u8`,
  dash: `${bases.http}/live/${name}/manifest.mpd`,
});

/** The full publish URLs with the key in them (shown once, when the key is created or rotated). */
export const publishUrls = (bases: UrlBases, key: string): StreamWithKey['publishUrls'] => ({
  rtmp: `${ingestUrls(bases).rtmp}/${key}`,
  srt: `${ingestUrls(bases).srt}${key}`,
});
