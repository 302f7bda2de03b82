import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';

/**
 * Writes the final upload's file from its finished partials, in order. The first part is renamed
 * rather than copied (the partials are deleted after anyway), the others appended. On failure (a
 * full disk) the first part is put back as it was, so every partial is intact and can be joined again.
 */
export async function joinParts(parts: readonly string[], finalFile: string): Promise<void> {
  const [first, ...rest] = parts;
  if (first === undefined) throw new Error('no part to join');
  // A copy, not a rename, when the first part is needed again: the same part named twice.
  const moved = !rest.includes(first);
  const firstSize = (await fsp.stat(first)).size;
  if (moved) await fsp.rename(first, finalFile);
  else await fsp.copyFile(first, finalFile);
  try {
    for (const part of rest) {
      await pipeline(fs.createReadStream(part, { highWaterMark: 1 << 20 }), fs.createWriteStream(finalFile, { flags: 'a' }));
    }
  } catch (error) {
    if (moved) {
      await fsp.truncate(finalFile, firstSize);
      await fsp.rename(finalFile, first);
    }
    throw error;
  }
}
