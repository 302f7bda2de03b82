import fs from 'node:fs';
import path from 'node:path';

/** Free bytes for an unprivileged user on the file system holding `dir`. */
export function statfsFreeBytes(dir: string): number {
  const stats = fs.statfsSync(dir);
  return Number(stats.bavail) * Number(stats.bsize);
}

/** A file's size; 0 when it does not exist. */
export function fileBytes(file: string): number {
  return fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
}

/** The bytes of the files directly in `dir` (a VOD folder is flat); 0 when it does not exist. */
export function dirBytes(dir: string): number {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  return names.reduce((sum, name) => sum + fileBytes(path.join(dir, name)), 0);
}
