import fs from 'node:fs';
import path from 'node:path';
import type { CacheVariant } from './purge-plan.js';

/**
 * The mirror tree (nginx-conf.ts): `<mirror>/<variant><uri>`, a plain file per immutable object,
 * written by nginx's `proxy_store`, purged and evicted by the agent. Pure planning here, the file
 * system in `MirrorTree`.
 */

export interface MirrorFile {
  /** Absolute path. */
  file: string;
  size: number;
  mtimeMs: number;
}

/**
 * Which files to delete so that the mirror fits `budgetBytes`: none while it fits; otherwise the
 * oldest (by mtime: when the file was stored; ties by path, for a stable plan) until what is left is
 * at most `lowWater` of the budget, so that eviction does not run again for every new segment.
 */
export function planEviction(files: readonly MirrorFile[], budgetBytes: number, lowWater = 0.9): MirrorFile[] {
  let total = files.reduce((sum, f) => sum + f.size, 0);
  if (total <= budgetBytes) return [];
  const target = Math.floor(budgetBytes * lowWater);
  const oldestFirst = [...files].sort((a, b) => a.mtimeMs - b.mtimeMs || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const out: MirrorFile[] = [];
  for (const f of oldestFirst) {
    if (total <= target) break;
    out.push(f);
    total -= f.size;
  }
  return out;
}

/** `<root>/<variant><uri>`, or null for a URI that would leave the variant's folder. */
export function mirrorPath(root: string, variant: CacheVariant, uri: string): string | null {
  const base = path.join(root, variant);
  const file = path.join(base, uri);
  return file.startsWith(`${base}${path.sep}`) && file.length > base.length + 1 && !uri.includes('\0') ? file : null;
}

export class MirrorTree {
  constructor(readonly root: string) {}

  /** Deletes one object; true when there was a file. */
  async remove(variant: CacheVariant, uri: string): Promise<boolean> {
    const file = mirrorPath(this.root, variant, uri);
    if (!file) return false;
    try {
      await fs.promises.unlink(file);
      return true;
    } catch {
      return false;
    }
  }

  /** The URIs stored under `prefix` in either variant (a prefix purge must not depend on the tag index). */
  async urisUnder(prefix: string): Promise<string[]> {
    const uris = new Set<string>();
    const folder = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    for (const variant of ['s', 'p'] as const) {
      const base = path.join(this.root, variant);
      const start = mirrorPath(this.root, variant, `${folder}x`);
      if (!start) continue;
      for (const f of await walk(path.dirname(start))) {
        const uri = f.file.slice(base.length).split(path.sep).join('/');
        if (uri.startsWith(prefix)) uris.add(uri);
      }
    }
    return [...uris];
  }

  /** Every file of the mirror (both variants). */
  files(): Promise<MirrorFile[]> {
    return walk(this.root);
  }

  /** Deletes what `planEviction` picks; returns the bytes freed. */
  async evict(budgetBytes: number): Promise<{ files: number; bytes: number; kept: number }> {
    const files = await this.files();
    const doomed = planEviction(files, budgetBytes);
    let bytes = 0;
    for (const f of doomed) {
      await fs.promises.unlink(f.file).then(() => (bytes += f.size), () => undefined);
    }
    return { files: doomed.length, bytes, kept: files.reduce((s, f) => s + f.size, 0) - bytes };
  }
}

/** Files under a folder (none when it does not exist); files that vanish meanwhile are skipped. */
export async function walk(dir: string): Promise<MirrorFile[]> {
  const out: MirrorFile[] = [];
  const visit = async (d: string): Promise<void> => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) await visit(full);
      else if (entry.isFile()) {
        const st = await fs.promises.stat(full).catch(() => null);
        if (st) out.push({ file: full, size: st.size, mtimeMs: st.mtimeMs });
      }
    }
  };
  await visit(dir);
  return out;
}
