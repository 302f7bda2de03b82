import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ChecksumAlgorithm } from './headers.js';

export type ChunkResult = { ok: true; bytes: number } | { ok: false; reason: 'mismatch' | 'too-large' | 'disk-full' };

/**
 * Receives a PATCH body into `tmpFile` while hashing it, so that a chunk whose digest differs from
 * `Upload-Checksum` is dropped whole and the upload's offset never moves (the file store appends as
 * it reads). On anything but `ok` the temp file is already removed.
 */
export async function receiveChecked(
  body: Readable,
  tmpFile: string,
  expected: { algorithm: ChecksumAlgorithm; digest: Buffer },
  maxBytes: number,
): Promise<ChunkResult> {
  const hash = crypto.createHash(expected.algorithm);
  let bytes = 0;
  let tooLarge = false;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        tooLarge = true;
        done(new Error('chunk larger than the upload has left'));
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(body, meter, fs.createWriteStream(tmpFile));
  } catch (error) {
    await fsp.rm(tmpFile, { force: true });
    if (tooLarge) return { ok: false, reason: 'too-large' };
    if ((error as NodeJS.ErrnoException).code === 'ENOSPC') return { ok: false, reason: 'disk-full' };
    throw error;
  }
  if (!hash.digest().equals(expected.digest)) {
    await fsp.rm(tmpFile, { force: true });
    return { ok: false, reason: 'mismatch' };
  }
  return { ok: true, bytes };
}
