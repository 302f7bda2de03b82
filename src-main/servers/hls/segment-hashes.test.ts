import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SegmentHashes } from './segment-hashes.js';

describe('SegmentHashes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seg-hashes-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const sha = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex');

  it('hashes a settled file once and keeps it; a fresh one is hashed but not final', async () => {
    const file = path.join(dir, 'a.m4s');
    fs.writeFileSync(file, Buffer.alloc(1000, 1));
    const hashes = new SegmentHashes(10, 1000);
    const mtime = fs.statSync(file).mtimeMs;
    expect(await hashes.ofFile(dir, 'a.m4s', mtime + 10)).toEqual({ hash: sha(Buffer.alloc(1000, 1)), final: false });
    expect(await hashes.ofFile(dir, 'a.m4s', mtime + 2000)).toEqual({ hash: sha(Buffer.alloc(1000, 1)), final: true });
    expect(await hashes.ofFile(dir, 'missing.m4s')).toBeNull();
  });

  it('keeps the newest `capacity` hashes of held segments', () => {
    const hashes = new SegmentHashes(2);
    expect(hashes.ofBuffer('k1', Buffer.from('one'))).toBe(sha(Buffer.from('one')));
    // Known by key: the same answer even for other bytes (a held segment never changes).
    expect(hashes.ofBuffer('k1', Buffer.from('other'))).toBe(sha(Buffer.from('one')));
    hashes.ofBuffer('k2', Buffer.from('two'));
    hashes.ofBuffer('k3', Buffer.from('three'));
    expect(hashes.ofBuffer('k1', Buffer.from('other'))).toBe(sha(Buffer.from('other')));
  });
});
