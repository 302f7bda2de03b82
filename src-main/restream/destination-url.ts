import type { destinationKinds } from '../../src-shared/contract/restream.js';
import type { FieldIssue } from '../../src-shared/errors.js';
import { StudioError } from '../core/errors.js';

/**
 * Destination URLs: which ones we accept, how the key is split from the server URL (only the server
 * URL is stored in clear and shown), and the URL ffmpeg publishes to. Pure.
 *
 * RTMP(S): `rtmp://host[:port]/app` + key -> `rtmp://host[:port]/app/<key>` (as OBS joins them). A key
 * pasted into the URL is cut out after the first path segment (the application).
 * SRT: `srt://host:port[?latency=...]` + key -> `srt://host:port?...&streamid=<key>`.
 */

export type DestinationKind = (typeof destinationKinds)[number];
export type DestinationProtocol = 'rtmp' | 'rtmps' | 'srt';

export interface DestinationPreset {
  kind: DestinationKind;
  label: string;
  url: string;
  keyHelp: string;
}

export const PRESETS: readonly DestinationPreset[] = [
  {
    kind: 'youtube',
    label: 'YouTube',
    url: 'rtmp://a.rtmp.youtube.com/live2',
    keyHelp: 'YouTube Studio > Create > Go live > Stream > Stream settings > Stream key.',
  },
  {
    kind: 'twitch',
    label: 'Twitch',
    url: 'rtmp://live.twitch.tv/app',
    keyHelp: 'Twitch Creator Dashboard > Settings > Stream > Primary Stream key (starts with live_).',
  },
  {
    kind: 'kick',
    label: 'Kick',
    url: 'rtmps://fa723fc1b171.global-contribute.live-video.net/app',
    keyHelp: 'Kick Dashboard > Settings > Stream URL & Key > Stream Key.',
  },
  {
    kind: 'facebook',
    label: 'Facebook Live',
    url: 'rtmps://live-api-s.facebook.com:443/rtmp/',
    keyHelp: 'Facebook Live Producer > Streaming software > Stream key (a persistent key survives between broadcasts).',
  },
  {
    kind: 'custom',
    label: 'Custom server',
    url: '',
    keyHelp: 'The stream key or stream name your server expects. rtmp://, rtmps:// or srt://; for SRT the key is sent as the streamid.',
  },
];

/** The RTMP application of each platform: anything after it in a URL is a key. */
const PRESET_APPS: Record<DestinationKind, string | null> = { youtube: 'live2', twitch: 'app', kick: 'app', facebook: 'rtmp', custom: null };

/** SRT options a destination URL may carry (values as ffmpeg's srt protocol takes them). */
const SRT_OPTIONS = new Set(['latency', 'peerlatency', 'rcvlatency', 'maxbw', 'oheadbw', 'connect_timeout', 'tlpktdrop', 'transtype']);

export interface ValidDestination {
  kind: DestinationKind;
  protocol: DestinationProtocol;
  /** The server URL without the key: what is stored in clear and returned by the API. */
  url: string;
  /** The key, from `key` or cut out of the URL; null for an SRT destination without a streamid. */
  key: string | null;
  /** What ffmpeg publishes to, key included: never logged, never returned. */
  publishUrl: string;
}

export type DestinationValidation = { ok: true; value: ValidDestination } | { ok: false; error: StudioError };

const invalid = (path: 'url' | 'key', message: string): DestinationValidation => {
  const fields: FieldIssue[] = [{ path, message }];
  return { ok: false, error: new StudioError('VALIDATION_FAILED', `Invalid destination: ${path}: ${message}`, { fields }) };
};

const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function validHost(host: string): boolean {
  if (host.startsWith('[')) return /^\[[0-9a-f:.]+\]$/.test(host) && host.includes(':');
  if (host.length > 253) return false;
  return host.replace(/\.$/, '').split('.').every((label) => HOST_LABEL.test(label));
}

/** The preset a server host belongs to (Kick and Twitch both ingest on Amazon IVS: Kick's host is its own). */
export function kindOf(url: string): DestinationKind {
  const host = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^:/?#]+)/i.exec(url.trim())?.[1]?.toLowerCase() ?? '';
  const within = (domain: string): boolean => host === domain || host.endsWith(`.${domain}`);
  if (within('youtube.com')) return 'youtube';
  if (host === 'fa723fc1b171.global-contribute.live-video.net' || within('kick.com')) return 'kick';
  if (within('twitch.tv') || within('contribute.live-video.net')) return 'twitch';
  if (within('facebook.com')) return 'facebook';
  return 'custom';
}

/** The label a destination gets when none is given: the platform, or the host of a custom server. */
export function defaultLabel(kind: DestinationKind, url: string): string {
  if (kind !== 'custom') return PRESETS.find((p) => p.kind === kind)!.label;
  return /^[a-z]+:\/\/([^:/?#]+)/i.exec(url)?.[1] ?? 'Custom server';
}

function checkKey(key: string): string | null {
  if (key === '') return 'the stream key is empty';
  if (/[\s\p{Cc}]/u.test(key)) return 'the stream key must not contain spaces or line breaks';
  if (key.length > 512) return 'the stream key is longer than 512 characters';
  return null;
}

/**
 * Checks a destination and splits it into the server URL (stored in clear) and the key (stored
 * encrypted). `fallbackKey` is used when neither the URL nor `key` holds one (an update that changes
 * only the server keeps the stored key).
 */
export function validateDestination(input: { url: string; key?: string | null }, options: { fallbackKey?: string | null } = {}): DestinationValidation {
  const raw = input.url.trim();
  const givenKey = input.key == null ? null : input.key.trim();
  if (raw === '') return invalid('url', 'a server URL is required');
  if (/[\s\p{Cc}]/u.test(raw)) return invalid('url', 'the URL must not contain spaces or line breaks');
  if (givenKey !== null) {
    const problem = checkKey(givenKey);
    if (problem) return invalid('key', problem);
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw);
  if (!scheme) return invalid('url', 'not a URL: it must start with rtmp://, rtmps:// or srt://');
  const protocol = scheme[1]!.toLowerCase();
  if (protocol !== 'rtmp' && protocol !== 'rtmps' && protocol !== 'srt') {
    return invalid('url', `unsupported scheme "${protocol}://": use rtmp://, rtmps:// or srt://`);
  }
  const rest = raw.slice(scheme[0].length);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const tail = authorityEnd === -1 ? '' : rest.slice(authorityEnd);
  if (authority.includes('@')) return invalid('url', 'user:password@ is not supported in the URL (it would be stored and shown in clear)');
  const hostPort = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(authority);
  const host = hostPort?.[1]?.toLowerCase() ?? '';
  if (host === '') return invalid('url', 'the URL has no host');
  if (!hostPort || !validHost(host)) return invalid('url', `"${authority}" is not a valid host`);
  const portText = hostPort[2];
  if (portText !== undefined && (portText === '' || Number(portText) < 1 || Number(portText) > 65535)) {
    return invalid('url', 'the port must be a number from 1 to 65535');
  }
  const server = `${protocol}://${host}${portText ? `:${Number(portText)}` : ''}`;
  const kind = kindOf(server);
  return protocol === 'srt'
    ? srtDestination(server, portText, tail, givenKey, options.fallbackKey ?? null)
    : rtmpDestination(protocol, kind, server, tail, givenKey, options.fallbackKey ?? null);
}

function rtmpDestination(
  protocol: 'rtmp' | 'rtmps',
  kind: DestinationKind,
  server: string,
  tail: string,
  givenKey: string | null,
  fallbackKey: string | null,
): DestinationValidation {
  if (tail.includes('#')) return invalid('url', 'the URL must not contain "#"');
  const path = tail.replace(/^\/+/, '');
  const firstSlash = path.indexOf('/');
  let app: string;
  let key: string | null;
  if (givenKey !== null) {
    // The whole path is the application (some servers use two levels: app/instance).
    app = path.replace(/\/+$/, '');
    const presetApp = PRESET_APPS[kind];
    const extra = presetApp !== null && app.startsWith(`${presetApp}/`);
    if (extra || app.split('/').at(-1) === givenKey) {
      return invalid('url', 'the URL already ends with a stream key: remove it from the URL or leave the key empty');
    }
    key = givenKey;
  } else {
    app = firstSlash === -1 ? path : path.slice(0, firstSlash);
    const fromUrl = firstSlash === -1 ? '' : path.slice(firstSlash + 1).replace(/\/+$/, '');
    key = fromUrl !== '' ? fromUrl : fallbackKey;
    if (fromUrl !== '') {
      const problem = checkKey(fromUrl);
      if (problem) return invalid('url', problem);
    }
  }
  if (app === '') return invalid('url', `the URL needs an application path, e.g. ${protocol}://host/live`);
  if (key === null || key === '') return invalid('key', 'a stream key is required');
  const url = `${server}/${app}`;
  return { ok: true, value: { kind, protocol, url, key, publishUrl: `${url}/${key}` } };
}

function srtDestination(
  server: string,
  portText: string | undefined,
  tail: string,
  givenKey: string | null,
  fallbackKey: string | null,
): DestinationValidation {
  if (!portText) return invalid('url', 'an SRT URL needs a port, e.g. srt://host:9000');
  const queryStart = tail.indexOf('?');
  const path = queryStart === -1 ? tail : tail.slice(0, queryStart);
  if (path !== '' && path !== '/') return invalid('url', 'an SRT URL has no path: use srt://host:port?streamid=...');
  const query = queryStart === -1 ? '' : tail.slice(queryStart + 1);
  const kept: string[] = [];
  let streamId: string | null = null;
  // Parsed by hand: a streamid like `#!::r=live,m=publish` would be a fragment to the WHATWG URL parser.
  for (const part of query.split('&').filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).toLowerCase();
    let value: string;
    try {
      value = decodeURIComponent(eq === -1 ? '' : part.slice(eq + 1));
    } catch {
      return invalid('url', `the value of "${name}" is not valid percent-encoding`);
    }
    if (name === 'streamid') {
      streamId = value;
    } else if (name === 'passphrase' || name === 'pbkeylen') {
      return invalid('url', 'encrypted SRT destinations (passphrase) are not supported yet');
    } else if (name === 'mode') {
      if (value !== 'caller') return invalid('url', 'an SRT destination is always called (mode=caller)');
    } else if (SRT_OPTIONS.has(name)) {
      if (!/^[0-9a-z.]{1,32}$/i.test(value)) return invalid('url', `"${name}" needs a plain value`);
      kept.push(`${name}=${value}`);
    } else {
      return invalid('url', `unsupported SRT option "${name}" (allowed: streamid, ${[...SRT_OPTIONS].join(', ')})`);
    }
  }
  if (streamId !== null && givenKey !== null) {
    return invalid('url', 'the URL already has a streamid: remove it from the URL or leave the key empty');
  }
  if (streamId !== null) {
    const problem = checkKey(streamId);
    if (problem) return invalid('url', problem.replace('stream key', 'streamid'));
  }
  const key = givenKey ?? streamId ?? fallbackKey;
  // ffmpeg 5.1 takes the streamid from the query as it is, without percent-decoding (checked against
  // our SRT ingest), and its own -streamid option shadows the protocol's: so it goes in raw, and only
  // `&` (which would end it) is refused.
  if (key !== null && key.includes('&')) return invalid(givenKey !== null ? 'key' : 'url', 'an SRT streamid cannot contain "&"');
  const url = kept.length > 0 ? `${server}?${kept.join('&')}` : server;
  const publishUrl = key === null ? url : `${url}${kept.length > 0 ? '&' : '?'}streamid=${key}`;
  return { ok: true, value: { kind: 'custom', protocol: 'srt', url, key, publishUrl } };
}

/** Replaces every spelling of `secret` (as is, percent-encoded) in text bound for a log or the API. */
export function redactSecret(text: string, secret: string | null, replacement = '<key>'): string {
  if (!secret) return text;
  let out = text;
  for (const form of new Set([secret, encodeURIComponent(secret), encodeURI(secret)])) {
    if (form.length >= 3) out = out.split(form).join(replacement);
  }
  return out;
}
