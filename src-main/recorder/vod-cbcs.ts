import fs from 'node:fs';
import path from 'node:path';
import type { FastifyRequest } from 'fastify';
import { Fmp4ParseError, requireBox } from '../protocols/cmaf/boxes.js';
import { protectInit } from '../protocols/cmaf/cbcs.js';
import { protectSegment } from '../protocols/cmaf/cbcs-segment.js';
import { parseInit } from '../protocols/cmaf/init.js';
import { licenceRequestKids, viewerHostOf } from '../servers/hls/routes.js';
import { initOfSegment, type VodKeys } from './vod-encryption.js';

/**
 * The Common Encryption side of an encrypted VOD (a recording's or a library video's), what its DASH
 * manifest names (`protectVodMpd`): its initialization sections and segments protected with its cbcs
 * key as they are served, and what its ClearKey licence server answers.
 */

export type CbcsFile = { body: Buffer } | { missing: string } | { unsupported: string };

/** `clear` (an init section or a segment in `dir`, by its clear name) protected with `keys`' cbcs key. */
export async function readCbcsFile(dir: string, clear: string, keys: VodKeys): Promise<CbcsFile> {
  const initName = clear.startsWith('init-') ? clear : initOfSegment(clear);
  if (!initName) return { missing: 'no such file' };
  const init = await fs.promises.readFile(path.join(dir, initName)).catch(() => null);
  const data = clear === initName ? init : await fs.promises.readFile(path.join(dir, clear)).catch(() => null);
  if (init === null || data === null) return { missing: 'no such file' };
  try {
    const protectedInit = protectInit(init, Buffer.from(keys.cbcsKid, 'hex'), keys.cbcsKey(), keys.cbcsIv);
    if (clear === initName) return { body: protectedInit.init };
    // Sizes a fragment does not give come from the init's trex.
    const trexSize = parseInit(requireBox(init, 'moov').payload).trex.size;
    return { body: protectSegment(data, protectedInit.track, trexSize) };
  } catch (error) {
    if (error instanceof Fmp4ParseError) return { unsupported: error.message };
    throw error;
  }
}

/** The licence server an encrypted VOD's MPD names: where the viewer asked (this host or an edge), with the viewer's credential `query`. */
export function vodLicenceUrl(req: FastifyRequest, id: string, query: string): string {
  return `//${viewerHostOf(req)}/vod/${id}/licence${query === '' ? '' : `?${query}`}`;
}

/** What a VOD's licence server answers a request `body`: no licence request (400), none of its key (404), or its key. */
export function vodLicence(body: unknown, keys: VodKeys): 'bad-request' | 'no-such-key' | { kid: string; key: Buffer } {
  const kids = licenceRequestKids(body);
  if (!kids) return 'bad-request';
  if (!kids.some((k) => Buffer.from(k, 'base64url').toString('hex') === keys.cbcsKid)) return 'no-such-key';
  return { kid: keys.cbcsKid, key: keys.cbcsKey() };
}
