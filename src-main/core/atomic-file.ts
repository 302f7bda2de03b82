import fs from 'node:fs';

/**
 * Writes `content` to `file` whole or not at all: a new file renamed over the old, so a reader (or a
 * host killed mid-write) never sees half of it. Throws what the write throws, leaving no temp file.
 * (conf/config-store.ts adds fsyncs for the config; vod's writeAtomic is the async form.)
 */
export function writeFileAtomicSync(file: string, content: string, options: { mode?: number } = {}): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, content, options.mode === undefined ? {} : { mode: options.mode });
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
}
