import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Upload } from '@tus/server';
import { afterEach, describe, expect, it } from 'vitest';
import { InfoStore } from './file-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('InfoStore', () => {
  it("reads an upload's info file once, hands out copies, and keeps what is set (with the extra fields) until it is deleted", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'info-store-'));
    dirs.push(dir);
    const store = new InfoStore(dir);
    store.expect('a', { concat: 'partial' });
    await store.set('a', { id: 'a', size: 10, offset: 0, metadata: { filename: 'x.mp4' } } as unknown as Upload);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'a.json'), 'utf8'))).toMatchObject({ id: 'a', size: 10, concat: 'partial' });
    // Kept: the file is not read again (gone from disk, the info still answers).
    fs.rmSync(path.join(dir, 'a.json'));
    const got = await store.info('a');
    expect(got).toMatchObject({ id: 'a', size: 10, concat: 'partial' });
    // A copy: what a caller changes before it sets is not the kept info.
    got!.size = 99;
    expect((await store.info('a'))?.size).toBe(10);
    // An info file written before this store (another run of the host) is read from disk, once.
    fs.writeFileSync(path.join(dir, 'b.json'), JSON.stringify({ id: 'b', size: 5 }));
    expect((await store.info('b'))?.size).toBe(5);
    fs.writeFileSync(path.join(dir, 'b.json'), JSON.stringify({ id: 'b', size: 6 }));
    expect((await store.info('b'))?.size).toBe(5);
    // Deleted (through tus, or with the upload's files): read again from disk, where nothing is.
    await store.set('c', { id: 'c', size: 1 } as unknown as Upload);
    await store.delete('c');
    expect(await store.info('c')).toBeUndefined();
    store.forget('a');
    expect(await store.info('a')).toBeUndefined();
  });
});
