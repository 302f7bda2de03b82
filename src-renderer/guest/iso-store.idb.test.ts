// The take store against an IndexedDB implementation in memory (fake-indexeddb: no browser here).
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openTakeStore, totalOf, type StoredTake } from './iso-store.js';

const newTake = (key: string): StoredTake => ({ key, guestId: 'gst_a', take: 1, startedAt: 1, mimeType: 'video/webm', sizes: [], ended: false, uploadUrl: null, done: false });
const text = (buffer: ArrayBuffer): string => Buffer.from(buffer).toString();

describe("the guest's takes kept in IndexedDB", () => {
  it('a field changed while chunks are appended keeps every chunk in its place (the upload URL set mid-take)', async () => {
    const store = await openTakeStore();
    await store.put(newTake('k1'));
    await store.append('k1', new Blob(['chunk-0']));
    // The uploader read the take (one chunk) and creates its upload, while the recorder goes on appending;
    // then it records the upload's URL (a copy of what it read, written back, would forget chunks 1-3).
    const seen = (await store.get('k1'))!;
    for (const i of [1, 2, 3]) await store.append('k1', new Blob([`chunk-${i}`]));
    expect(seen.sizes).toHaveLength(1);
    await store.update(seen.key, { uploadUrl: '/guest-uploads/x' });
    await store.append('k1', new Blob(['chunk-4']));
    const take = (await store.get('k1'))!;
    expect(take.uploadUrl).toBe('/guest-uploads/x');
    expect(take.sizes).toHaveLength(5);
    const chunks = await Promise.all(take.sizes.map(async (_, seq) => text(await store.chunk('k1', seq))));
    expect(chunks).toEqual(['chunk-0', 'chunk-1', 'chunk-2', 'chunk-3', 'chunk-4']);
    expect(totalOf(take.sizes)).toBe(35);
  });

  it('a finished take lets go of its chunks and keeps its record; an unknown one is not made up', async () => {
    const store = await openTakeStore();
    await store.put(newTake('k2'));
    await store.append('k2', new Blob(['abc']));
    expect(await store.update('k2', { ended: true })).toMatchObject({ ended: true, sizes: [3] });
    await store.finish('k2');
    expect(await store.get('k2')).toMatchObject({ done: true, ended: true });
    await expect(store.chunk('k2', 0)).rejects.toThrow(/lost its chunk 0/);
    expect(await store.update('nope', { ended: true })).toBeUndefined();
    expect(await store.get('nope')).toBeUndefined();
  });
});
