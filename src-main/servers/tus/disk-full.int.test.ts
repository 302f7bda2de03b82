import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needs } from '../../../test-support/peers.js';
import { mountTmpfs } from '../../../test-support/tmpfs.js';
import { startUploadBed, UPLOAD_TOKEN, type UploadBed } from '../../../test-support/uploads.js';

const MiB = 1024 * 1024;


describe.skipIf(needs('root'))('uploads on a disk that fills (a 16 MiB tmpfs: skipped without root, which mounting needs)', () => {
  let bed: UploadBed;
  let disk: ReturnType<typeof mountTmpfs>;
  let mountPoint = '';
  let filler = '';
  beforeAll(async () => {
    disk = mountTmpfs(os.tmpdir(), 16);
    mountPoint = disk.dir;
    filler = path.join(mountPoint, 'filler');
    bed = await startUploadBed({ dir: path.join(mountPoint, 'uploads') });
  });
  afterAll(async () => {
    await bed?.close();
    disk?.unmount();
  });

  const tus = (method: string, url: string, headers: Record<string, string>, body?: BodyInit) =>
    fetch(url.startsWith('http') ? url : `${bed.origin}${url}`, {
      method,
      headers: { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${UPLOAD_TOKEN}`, ...headers },
      ...(body ? { body, duplex: 'half' } : {}),
    } as RequestInit);
  const create = async (size: number) => {
    const res = await tus('POST', bed.endpoint, { 'Upload-Length': String(size) });
    return { status: res.status, url: res.headers.get('location') ?? '', body: res.status === 201 ? undefined : await res.json() };
  };
  const patchHeaders = (offset: number) => ({ 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' });

  it('refuses what does not fit with 507, keeps finished uploads, and resumes once space is freed', async () => {
    const finishedData = crypto.randomBytes(2 * MiB);
    const finished = await create(finishedData.length);
    expect((await tus('PATCH', finished.url, patchHeaders(0), finishedData)).status).toBe(204);

    const tooBig = await create(20 * MiB);
    expect(tooBig.status).toBe(507);
    expect(tooBig.body).toMatchObject({ error: { code: 'INSUFFICIENT_STORAGE' } });

    // A PATCH cut by a disk that another writer fills meanwhile: ENOSPC in the file store answers 507.
    const data = crypto.randomBytes(6 * MiB);
    const growing = await create(data.length);
    expect(growing.status).toBe(201);
    let fill: (() => void) | undefined;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (!fill) {
          controller.enqueue(data.subarray(0, MiB));
          fill = () => fs.writeFileSync(filler, Buffer.alloc(Math.max(0, fs.statfsSync(mountPoint).bavail * fs.statfsSync(mountPoint).bsize - 256 * 1024)));
          // The disk fills once the first MiB is stored (on a busy machine that takes more than a moment).
          const stored = path.join(bed.dir, growing.url.split('/').pop()!);
          const until = Date.now() + 10_000;
          while (Date.now() < until && (fs.statSync(stored, { throwIfNoEntry: false })?.size ?? 0) < MiB) await new Promise((r) => setTimeout(r, 20));
          fill();
          return;
        }
        controller.enqueue(data.subarray(MiB));
        controller.close();
      },
    });
    const cut = await tus('PATCH', growing.url, patchHeaders(0), body);
    expect(cut.status).toBe(507);
    expect(await cut.json()).toMatchObject({ error: { code: 'INSUFFICIENT_STORAGE' } });
    // The same with a Content-Length (the path tus-js-client's PATCHes take).
    fs.rmSync(filler);
    const sized = await create(4 * MiB);
    const cutSized = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${bed.origin}${sized.url}`, {
        method: 'PATCH',
        headers: { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${UPLOAD_TOKEN}`, ...patchHeaders(0), 'Content-Length': String(4 * MiB) },
      });
      req.once('response', (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.once('error', reject);
      req.write(data.subarray(0, MiB));
      setTimeout(() => {
        fill?.();
        req.end(data.subarray(MiB, 4 * MiB));
      }, 200);
    });
    expect(cutSized.status).toBe(507);
    expect(JSON.parse(cutSized.body)).toMatchObject({ error: { code: 'INSUFFICIENT_STORAGE' } });
    // While the disk is full a new upload is refused before anything is written.
    expect((await create(MiB)).status).toBe(507);
    const head = await tus('HEAD', finished.url, {});
    expect(head.headers.get('upload-offset')).toBe(String(finishedData.length));
    const id = finished.url.split('/').pop()!;
    expect(fs.readFileSync(path.join(bed.dir, id)).equals(finishedData)).toBe(true);

    fs.rmSync(filler);
    const offset = Number((await tus('HEAD', growing.url, {})).headers.get('upload-offset'));
    expect(offset).toBeGreaterThanOrEqual(MiB);
    expect(offset).toBeLessThan(data.length);
    const rest = await tus('PATCH', growing.url, patchHeaders(offset), data.subarray(offset));
    expect(rest.status).toBe(204);
    expect(fs.readFileSync(path.join(bed.dir, growing.url.split('/').pop()!)).equals(data)).toBe(true);
  });
});
