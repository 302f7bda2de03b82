import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUploadBed, UPLOAD_TOKEN, type UploadBed } from '../../../test-support/uploads.js';
import { waitFor } from '../../../test-support/wait.js';

const TOKEN = { Authorization: `Bearer ${UPLOAD_TOKEN}` };
const session = (id: string) => ({ Authorization: '', Cookie: `streams_session=${id}` });
const b64 = (s: string) => Buffer.from(s).toString('base64');
const digest = (algorithm: string, data: Buffer) => `${algorithm} ${crypto.createHash(algorithm).update(data).digest('base64')}`;

describe('tus uploads over real HTTP', () => {
  let bed: UploadBed;
  beforeAll(async () => {
    bed = await startUploadBed();
  });
  afterAll(async () => {
    await bed.close();
  });

  const tus = (method: string, url: string, headers: Record<string, string> = {}, body?: Buffer) =>
    fetch(url.startsWith('http') ? url : `${bed.origin}${url}`, {
      method,
      headers: { 'Tus-Resumable': '1.0.0', ...TOKEN, ...headers },
      ...(body ? { body: new Uint8Array(body) } : {}),
    });
  const create = async (size: number, headers: Record<string, string> = {}) => {
    const res = await tus('POST', bed.endpoint, { 'Upload-Length': String(size), 'Upload-Metadata': `filename ${b64('clip.mp4')},title ${b64('My clip')}`, ...headers });
    expect(res.status).toBe(201);
    return res.headers.get('location')!;
  };
  const patch = (url: string, offset: number, chunk: Buffer, headers: Record<string, string> = {}) =>
    tus('PATCH', url, { 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream', ...headers }, chunk);
  const offsetOf = async (url: string, headers: Record<string, string> = {}) => {
    const res = await tus('HEAD', url, headers);
    return res.status === 200 ? Number(res.headers.get('upload-offset')) : res.status;
  };
  const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

  it('refuses a request without credentials with 401 and a JSON error', async () => {
    const res = await fetch(bed.endpoint, { method: 'POST', headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': '5' } });
    expect(res.status).toBe(401);
    expect(await errorOf(res)).toBe('UNAUTHORIZED');
  });

  it('advertises the checksum and concatenation extensions', async () => {
    const res = await tus('OPTIONS', bed.endpoint);
    expect(res.status).toBe(204);
    expect(res.headers.get('tus-extension')).toContain('checksum');
    expect(res.headers.get('tus-extension')).toContain('concatenation');
    expect(res.headers.get('tus-checksum-algorithm')).toBe('sha1,md5,sha256');
  });

  it('takes checksummed chunks, refuses a corrupted one with 460 without moving the offset, and finishes', async () => {
    const data = crypto.randomBytes(300_000);
    const url = await create(data.length);
    expect(url).toMatch(/^\/api\/v1\/uploads\/[0-9a-f]{32}$/);
    const first = data.subarray(0, 100_000);
    expect((await patch(url, 0, first, { 'Upload-Checksum': digest('sha1', first) })).status).toBe(204);
    const second = data.subarray(100_000);
    const corrupted = Buffer.from(second);
    corrupted.writeUInt8(corrupted.readUInt8(5000) ^ 0xff, 5000);
    const refused = await patch(url, 100_000, corrupted, { 'Upload-Checksum': digest('sha256', second) });
    expect(refused.status).toBe(460);
    expect(await errorOf(refused)).toBe('CHECKSUM_MISMATCH');
    expect(await offsetOf(url)).toBe(100_000);
    expect(fs.readdirSync(path.join(bed.dir, '.chunks'))).toEqual([]);
    const resent = await patch(url, 100_000, second, { 'Upload-Checksum': digest('md5', second) });
    expect(resent.status).toBe(204);
    expect(resent.headers.get('upload-offset')).toBe('300000');
    const id = url.split('/').pop()!;
    expect(bed.finished.find((f) => f.id === id)).toMatchObject({ owner: 'token', size: 300_000, metadata: { filename: 'clip.mp4', title: 'My clip' } });
    expect(fs.readFileSync(path.join(bed.dir, id)).equals(data)).toBe(true);
    expect(await bed.server.info(id)).toMatchObject({ offset: 300_000, size: 300_000, finished: true });
    await waitFor('the last progress report', () => bed.progress.some(([pid, offset]) => pid === id && offset === 300_000), 2000, 20);
    expect(bed.progress.find(([pid]) => pid === id)).toEqual([id, 100_000, 300_000]);
  });

  it('answers 400 to an unknown checksum algorithm and 409 to a PATCH at an old offset', async () => {
    const url = await create(20);
    expect((await patch(url, 0, Buffer.alloc(10, 1))).status).toBe(204);
    const unknown = await patch(url, 10, Buffer.alloc(10, 2), { 'Upload-Checksum': `crc32 ${b64('abcd')}` });
    expect(unknown.status).toBe(400);
    const duplicate = await patch(url, 0, Buffer.alloc(10, 1));
    expect(duplicate.status).toBe(409);
    expect(await errorOf(duplicate)).toBe('CONFLICT');
    expect(duplicate.headers.get('upload-offset')).toBe('10');
    expect(await offsetOf(url)).toBe(10);
    expect((await patch(url, 10, Buffer.alloc(10, 2), { 'Content-Type': 'text/plain' })).status).toBe(400);
    expect((await patch(url, 10, Buffer.alloc(10, 2), { 'Tus-Resumable': '' })).status).toBe(412);
    expect(await offsetOf(url)).toBe(10);
  });

  it('keeps uploads to their owner: another session gets 404, the API token sees all', async () => {
    const url = await create(10, session('alice'));
    expect(await offsetOf(url, session('alice'))).toBe(0);
    const expires = Date.parse((await tus('HEAD', url, session('alice'))).headers.get('upload-expires') ?? '');
    expect(Math.abs(expires - (Date.now() + bed.limits.expiryMs))).toBeLessThan(5000);
    expect(await offsetOf(url, session('bob'))).toBe(404);
    const bobPatch = await patch(url, 0, Buffer.alloc(10), session('bob'));
    expect(bobPatch.status).toBe(404);
    expect(await errorOf(bobPatch)).toBe('NOT_FOUND');
    expect((await tus('DELETE', url, session('bob'))).status).toBe(404);
    expect(await offsetOf(url)).toBe(0);
    expect((await patch(url, 0, Buffer.alloc(10), session('alice'))).status).toBe(204);
    expect(bed.finished.at(-1)).toMatchObject({ id: url.split('/').pop(), owner: 'session:alice' });
  });

  it('refuses an upload over the size limit with 413 before creating anything', async () => {
    bed.limits.maxBytes = 1000;
    try {
      const res = await tus('POST', bed.endpoint, { 'Upload-Length': '1001' });
      expect(res.status).toBe(413);
      expect(await errorOf(res)).toBe('PAYLOAD_TOO_LARGE');
    } finally {
      bed.limits.maxBytes = 1 << 30;
    }
  });

  it('refuses a creation and a PATCH with 507 when the disk would go under the free minimum', async () => {
    const url = await create(10);
    bed.limits.minFreeBytes = Number.MAX_SAFE_INTEGER;
    try {
      const creation = await tus('POST', bed.endpoint, { 'Upload-Length': '10' });
      expect(creation.status).toBe(507);
      expect(await errorOf(creation)).toBe('INSUFFICIENT_STORAGE');
      expect((await patch(url, 0, Buffer.alloc(10))).status).toBe(507);
    } finally {
      bed.limits.minFreeBytes = 0;
    }
    expect(await offsetOf(url)).toBe(0);
  });

  it('terminates an upload: DELETE removes its file, info and row', async () => {
    const url = await create(10);
    const id = url.split('/').pop()!;
    expect((await tus('DELETE', url)).status).toBe(204);
    expect(await offsetOf(url)).toBe(404);
    expect(fs.existsSync(path.join(bed.dir, id))).toBe(false);
    expect(fs.existsSync(path.join(bed.dir, `${id}.json`))).toBe(false);
    expect(await bed.server.info(id)).toBeUndefined();
  });

  it('expires unfinished uploads untouched for the expiry, and keeps finished ones', async () => {
    const stale = await create(10);
    await patch(stale, 0, Buffer.alloc(4));
    const done = await create(4);
    await patch(done, 0, Buffer.alloc(4));
    const later = Date.now() + bed.limits.expiryMs + 1000;
    const gone = await bed.server.sweepExpired(later);
    expect(gone).toContain(stale.split('/').pop());
    expect(gone).not.toContain(done.split('/').pop());
    expect(await offsetOf(stale)).toBe(404);
    expect(await offsetOf(done)).toBe(4);
  });

  it('joins partial uploads into a final one (concatenation), then deletes the partials', async () => {
    const parts = [crypto.randomBytes(70_000), crypto.randomBytes(50_000), crypto.randomBytes(1)];
    const urls: string[] = [];
    const finishedBefore = bed.finished.length;
    for (const part of parts) {
      const url = await create(part.length, { 'Upload-Concat': 'partial' });
      expect((await tus('HEAD', url)).headers.get('upload-concat')).toBe('partial');
      expect((await patch(url, 0, part, { 'Upload-Checksum': digest('sha1', part) })).status).toBe(204);
      urls.push(url);
    }
    // A partial upload is not a video.
    expect(bed.finished.length).toBe(finishedBefore);
    const final = await tus('POST', bed.endpoint, {
      'Upload-Concat': `final;${urls.map((u) => `${bed.origin}${u}`).join(' ')}`,
      'Upload-Metadata': `filename ${b64('joined.mp4')}`,
    });
    expect(final.status).toBe(201);
    const finalUrl = final.headers.get('location')!;
    const id = finalUrl.split('/').pop()!;
    expect(fs.readFileSync(path.join(bed.dir, id)).equals(Buffer.concat(parts))).toBe(true);
    for (const url of urls) expect(await offsetOf(url)).toBe(404);
    const head = await tus('HEAD', finalUrl);
    expect(head.headers.get('upload-concat')).toMatch(/^final;/);
    expect(head.headers.get('upload-offset')).toBe('120001');
    expect(bed.finished.slice(finishedBefore)).toMatchObject([{ id, size: 120_001, metadata: { filename: 'joined.mp4' } }]);
    expect((await patch(finalUrl, 120_001, Buffer.alloc(1))).status).toBe(403);
  });

  it('two final uploads of the same partials at once: one is made, the other refused (never a 500); a part named twice is a 400', async () => {
    const parts = [crypto.randomBytes(3_000_000), crypto.randomBytes(3_000_000)];
    const urls: string[] = [];
    for (const part of parts) {
      const url = await create(part.length, { 'Upload-Concat': 'partial' });
      expect((await patch(url, 0, part)).status).toBe(204);
      urls.push(url);
    }
    expect((await tus('POST', bed.endpoint, { 'Upload-Concat': `final;${urls[0]} ${urls[0]}` })).status).toBe(400);
    const concat = { 'Upload-Concat': `final;${urls.join(' ')}` };
    const statuses = (await Promise.all([tus('POST', bed.endpoint, concat), tus('POST', bed.endpoint, concat)])).map((r) => r.status).sort();
    expect(statuses[0]).toBe(201);
    expect([404, 409]).toContain(statuses[1]);
  });

  it('refuses a final upload of unfinished, foreign or too many partials', async () => {
    const open = await create(10, { 'Upload-Concat': 'partial' });
    const unfinished = await tus('POST', bed.endpoint, { 'Upload-Concat': `final;${open}` });
    expect(unfinished.status).toBe(400);
    const foreign = await tus('POST', bed.endpoint, { 'Upload-Concat': `final;${open}`, ...session('bob') });
    expect(foreign.status).toBe(404);
    const eleven = Array.from({ length: 11 }, () => open).join(' ');
    expect((await tus('POST', bed.endpoint, { 'Upload-Concat': `final;${eleven}` })).status).toBe(400);
  });
});
