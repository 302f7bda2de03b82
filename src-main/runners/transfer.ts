import crypto from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { backoffDelay } from '../../src-shared/backoff.js';
import { JobError } from '../core/job-error.js';

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason as Error)), { once: true });
  });

/** SHA-256 of a file, hex. */
export async function sha256Of(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * Downloads a lease's source into `file`, resuming what is already there with a Range request after
 * a broken connection (up to `attempts` tries), then checks its size and SHA-256 against the lease's.
 * A mismatch removes the file and fails the job with SOURCE_CORRUPT (the origin places it again).
 */
export async function downloadSource(o: {
  url: string;
  bearer: string;
  file: string;
  size: number;
  sha256: string;
  signal: AbortSignal;
  onBytes?: (have: number) => void;
  attempts?: number;
}): Promise<void> {
  const attempts = o.attempts ?? 6;
  for (let attempt = 1; ; attempt++) {
    o.signal.throwIfAborted();
    const have = fs.statSync(o.file, { throwIfNoEntry: false })?.size ?? 0;
    if (have >= o.size) break;
    try {
      const res = await fetch(o.url, { headers: { authorization: `Bearer ${o.bearer}`, ...(have > 0 ? { range: `bytes=${have}-` } : {}) }, signal: o.signal });
      if (res.status === 401 || res.status === 404) throw new JobError('LEASE_LOST', `the origin no longer serves this lease's source (HTTP ${res.status})`, { retry: true });
      if (res.status !== 200 && res.status !== 206) throw new Error(`HTTP ${res.status}`);
      // A 200 to a Range request is the whole file again: start over.
      const append = have > 0 && res.status === 206;
      const out = fs.createWriteStream(o.file, { flags: append ? 'a' : 'w' });
      let got = append ? have : 0;
      const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
      body.on('data', (chunk: Buffer) => {
        got += chunk.length;
        o.onBytes?.(got);
      });
      await pipeline(body, out);
    } catch (error) {
      if (error instanceof JobError || o.signal.aborted || attempt >= attempts) throw error;
      await sleep(backoffDelay(attempt, { baseMs: 500, maxMs: 5000, jitter: 0.2 }), o.signal);
    }
  }
  const size = fs.statSync(o.file).size;
  const digest = await sha256Of(o.file);
  if (size !== o.size || digest !== o.sha256) {
    await fs.promises.rm(o.file, { force: true });
    throw new JobError('SOURCE_CORRUPT', `the downloaded source does not match the origin's (${size} bytes, sha256 ${digest.slice(0, 12)}..., expected ${o.size} bytes, ${o.sha256.slice(0, 12)}...)`, { retry: true });
  }
}

/** Uploads `file` over tus (retrying broken requests from the offset the server has); resolves with the upload id. */
export async function uploadOutput(o: {
  endpoint: string;
  bearer: string;
  file: string;
  metadata: Record<string, string>;
  signal: AbortSignal;
  onProgress?: (share: number) => void;
  chunkBytes?: number;
}): Promise<string> {
  const size = fs.statSync(o.file).size;
  // tus-js-client is loaded by the first upload (a runner's), not when a host starts.
  const { Upload } = await import('./tus-client-lib.js');
  return new Promise<string>((resolve, reject) => {
    const upload = new Upload(fs.createReadStream(o.file), {
      endpoint: o.endpoint,
      uploadSize: size,
      chunkSize: o.chunkBytes ?? 32 * 1024 * 1024,
      headers: { Authorization: `Bearer ${o.bearer}` },
      metadata: o.metadata,
      retryDelays: [0, 500, 1000, 3000, 5000],
      removeFingerprintOnSuccess: true,
      onProgress: (sent, total) => o.onProgress?.(total > 0 ? sent / total : 0),
      onError: (error) => reject(new JobError('UPLOAD_FAILED', `the output upload failed: ${String(error).slice(0, 500)}`, { retry: true })),
      onSuccess: () => {
        const id = (upload.url ?? '').split('/').pop() ?? '';
        if (id) resolve(id);
        else reject(new JobError('UPLOAD_FAILED', 'the origin gave the upload no URL', { retry: true }));
      },
    });
    o.signal.addEventListener(
      'abort',
      () => {
        void upload.abort(true).catch(() => undefined);
        reject(o.signal.reason as Error);
      },
      { once: true },
    );
    upload.start();
  });
}
