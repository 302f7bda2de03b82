import { Reject } from './handshake.js';

export type StreamIdResult =
  | { ok: true; key: string }
  | { ok: false; reason: number; why: string };

/**
 * What a caller asks for in its stream id. Two spellings publish with a key:
 * - `publish:<key>` (as MediaMTX and most encoder guides write it);
 * - `#!::r=<key>,m=publish` (the SRT access-control convention).
 * Anything else (no stream id, a read request, a bare key) is refused.
 */
export function parseStreamId(streamId: string | undefined): StreamIdResult {
  if (streamId === undefined || streamId === '') return { ok: false, reason: Reject.BAD_REQUEST, why: 'no stream id' };
  if (streamId.startsWith('#!::')) {
    const fields = new Map<string, string>();
    for (const item of streamId.slice(4).split(',')) {
      const eq = item.indexOf('=');
      if (eq > 0) fields.set(item.slice(0, eq).trim(), item.slice(eq + 1));
    }
    const mode = fields.get('m') ?? 'request';
    if (mode !== 'publish') return { ok: false, reason: Reject.BAD_MODE, why: `mode "${mode}" is not offered: only publish` };
    const key = fields.get('r') ?? '';
    return key === '' ? { ok: false, reason: Reject.BAD_REQUEST, why: 'no resource (r=) in the stream id' } : { ok: true, key };
  }
  const colon = streamId.indexOf(':');
  if (colon < 0) return { ok: false, reason: Reject.BAD_REQUEST, why: 'stream id is not publish:<key>' };
  const mode = streamId.slice(0, colon);
  if (mode !== 'publish') {
    const known = mode === 'read' || mode === 'play' || mode === 'request';
    return known ? { ok: false, reason: Reject.BAD_MODE, why: `mode "${mode}" is not offered: only publish` } : { ok: false, reason: Reject.BAD_REQUEST, why: 'stream id is not publish:<key>' };
  }
  const key = streamId.slice(colon + 1);
  return key === '' ? { ok: false, reason: Reject.BAD_REQUEST, why: 'empty stream key' } : { ok: true, key };
}
