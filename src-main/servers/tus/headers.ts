import type { ErrorCode } from '../../../src-shared/errors.js';

/** What the checksum extension accepts in `Upload-Checksum` (advertised in `Tus-Checksum-Algorithm`). */
export const CHECKSUM_ALGORITHMS = ['sha1', 'md5', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** The concatenation extension: at most this many partial uploads make one final upload. */
export const MAX_PARTIALS = 10;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** `Upload-Checksum: <algorithm> <base64 digest>`. */
export function parseChecksum(header: string): Parsed<{ algorithm: ChecksumAlgorithm; digest: Buffer }> {
  const match = /^([a-z0-9-]+) +([A-Za-z0-9+/]+={0,2})$/.exec(header.trim());
  if (!match) return { ok: false, message: 'Upload-Checksum must be "<algorithm> <base64 digest>"' };
  const algorithm = match[1] as ChecksumAlgorithm;
  if (!CHECKSUM_ALGORITHMS.includes(algorithm)) {
    return { ok: false, message: `checksum algorithm ${match[1]} is not supported; use one of ${CHECKSUM_ALGORITHMS.join(', ')}` };
  }
  return { ok: true, value: { algorithm, digest: Buffer.from(match[2] ?? '', 'base64') } };
}

export type Concat = { kind: 'partial' } | { kind: 'final'; ids: string[] };

/** `Upload-Concat: partial` or `final;<url> <url> ...`; a final's parts are named by the last segment of each URL. */
export function parseConcat(header: string): Parsed<Concat> {
  const value = header.trim();
  if (value === 'partial') return { ok: true, value: { kind: 'partial' } };
  if (!value.startsWith('final;')) return { ok: false, message: 'Upload-Concat must be "partial" or "final;<urls>"' };
  const urls = value.slice('final;'.length).trim().split(/ +/).filter(Boolean);
  if (urls.length === 0) return { ok: false, message: 'Upload-Concat final names no partial upload' };
  if (urls.length > MAX_PARTIALS) return { ok: false, message: `a final upload joins at most ${MAX_PARTIALS} partial uploads, not ${urls.length}` };
  const ids = urls.map(lastSegment);
  if (ids.some((id) => id === '')) return { ok: false, message: 'Upload-Concat final names a URL without an upload id' };
  return { ok: true, value: { kind: 'final', ids } };
}

/** The upload id of an upload URL (absolute or relative): its last path segment. */
export function lastSegment(url: string): string {
  const pathname = url.split(/[?#]/)[0] ?? '';
  const segment = pathname.split('/').filter(Boolean).pop() ?? '';
  return /^[A-Za-z0-9_-]{1,128}$/.test(segment) ? segment : '';
}

/** `Upload-Metadata: key base64,key2 base64,flag` (a key may have no value). */
export function parseMetadata(header: string | undefined): Parsed<Record<string, string>> {
  const out: Record<string, string> = {};
  if (!header || header.trim() === '') return { ok: true, value: out };
  for (const pair of header.split(',')) {
    const [key, value, extra] = pair.trim().split(' ');
    if (!key || extra !== undefined || !/^[\x21-\x7e]+$/.test(key) || key in out) {
      return { ok: false, message: 'Upload-Metadata must be comma-separated "key base64value" pairs with distinct keys' };
    }
    if (value !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return { ok: false, message: `Upload-Metadata ${key} is not base64` };
    out[key] = value === undefined ? '' : Buffer.from(value, 'base64').toString('utf8');
  }
  return { ok: true, value: out };
}

/** The error code of a tus status, for the JSON body we put where tus allows one. */
export function codeOfStatus(status: number): ErrorCode {
  const codes: Record<number, ErrorCode> = {
    401: 'UNAUTHORIZED',
    403: 'FORBIDDEN',
    404: 'NOT_FOUND',
    405: 'METHOD_NOT_ALLOWED',
    409: 'CONFLICT',
    // Gone (an expired upload) has no code of its own: to the client it is not there any more.
    410: 'NOT_FOUND',
    413: 'PAYLOAD_TOO_LARGE',
    415: 'UNSUPPORTED_MEDIA_TYPE',
    460: 'CHECKSUM_MISMATCH',
    507: 'INSUFFICIENT_STORAGE',
  };
  return codes[status] ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST');
}
