import { once } from 'node:events';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileConfigstore, FileStore } from '@tus/file-store';
import type { Upload } from '@tus/server';

/** What we keep next to tus's own fields in an upload's `.json` info. */
export interface UploadExtra {
  /** 'partial', or 'final;<urls>' (the concatenation extension). */
  concat?: string;
}

export interface UploadInfo extends UploadExtra {
  id: string;
  size?: number;
  metadata?: Record<string, string | null>;
  creation_date?: string;
}

/**
 * The `.json` info files, with our extra fields merged into tus's Upload at its first write. Each info
 * is read from its file once and then kept (every write goes through `set`): a PATCH asked for its
 * upload's info twice, a file read and a JSON parse each, per chunk.
 */
export class InfoStore extends FileConfigstore {
  private readonly pending = new Map<string, UploadExtra>();
  private readonly known = new Map<string, Upload>();

  /** Extra fields for an upload tus is about to create (its `set` runs inside `FileStore.create`). */
  expect(id: string, extra: UploadExtra): void {
    this.pending.set(id, extra);
  }

  override async set(key: string, value: object): Promise<void> {
    const extra = this.pending.get(key);
    this.pending.delete(key);
    const info = (extra ? { ...value, ...extra } : value) as Upload;
    await super.set(key, info);
    this.known.set(key, { ...info } as Upload);
  }

  // A copy each time: tus changes what it is given (a deferred length) before it sets it.
  override async get(key: string): Promise<Upload | undefined> {
    const info = this.known.get(key) ?? (await super.get(key));
    if (!info) return undefined;
    this.known.set(key, info);
    return { ...info } as Upload;
  }

  override async delete(key: string): Promise<void> {
    this.known.delete(key);
    await super.delete(key);
  }

  /** The info file went by other means (the upload's files removed together). */
  forget(key: string): void {
    this.known.delete(key);
  }

  async info(id: string): Promise<UploadInfo | undefined> {
    return (await this.get(id)) as UploadInfo | undefined;
  }
}

/** tus's status error for a full disk (tus would answer its 500). */
export const DISK_FULL = { status_code: 507, body: 'the disk is full: the upload keeps the bytes it received; resume when space is freed\n' };

/**
 * @tus/file-store with what our extensions need from it: it says it knows concatenation (tus spells
 * it "concatentation") so that partial creations pass, and it finds an upload's files by id.
 */
export class LibraryFileStore extends FileStore {
  readonly info: InfoStore;
  readonly dir: string;

  constructor(directory: string) {
    const info = new InfoStore(directory);
    super({ directory, configstore: info });
    this.info = info;
    this.dir = directory;
    this.extensions.push('concatentation');
  }

  /**
   * Writes `body` at `offset` and returns the new offset. As FileStore.write, which reports every
   * failure as a 500: here a full disk is DISK_FULL, and a body cut short (`cut`) keeps what arrived
   * (its offset then is a lower bound).
   */
  async append(body: Readable, id: string, offset: number): Promise<{ offset: number; cut: boolean }> {
    const out = fs.createWriteStream(this.path(id), { flags: 'r+', start: offset });
    try {
      await pipeline(body, out);
      return { offset: offset + out.bytesWritten, cut: false };
    } catch (error) {
      // Closed, so that no write is under way; bytesWritten may still miss one that landed as the
      // stream was destroyed (64 KiB short, seen): a cut body's offset is the file's to tell.
      if (!out.closed) await once(out, 'close').catch(() => undefined);
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC') throw DISK_FULL;
      // Any other failure of ours (not the client's going away) is the caller's to answer.
      if (!body.destroyed && !body.readableAborted) throw error;
      return { offset: offset + out.bytesWritten, cut: true };
    }
  }

  /** The data file and its info; a missing one is not an error (half-deleted before a crash). */
  async removeQuietly(id: string): Promise<void> {
    this.info.forget(id);
    await fsp.rm(this.path(id), { force: true });
    await fsp.rm(`${this.path(id)}.json`, { force: true });
  }

  /** Ids come from our naming or pass `lastSegment`/tus's id check: no separators. */
  path(id: string): string {
    return path.join(this.dir, id);
  }
}
