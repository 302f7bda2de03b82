/**
 * The guest's own recording, kept in the browser until the host has it: each take's chunks (as
 * MediaRecorder hands them over, about a second each) in IndexedDB, so that a closed tab, a crash or a
 * lost network loses nothing already recorded; the page that opens the link again sends the rest.
 */

/** A take as the page keeps it. `key` is its own (its number may change if the host has that number already). */
export interface StoredTake {
  key: string;
  guestId: string;
  /** Its number on the show: 1, 2, ... for this guest. */
  take: number;
  /** When its first frame was captured, on the host's clock (ms). */
  startedAt: number;
  mimeType: string;
  /** Chunks recorded so far (seq 0..chunks-1) and their sizes in order. */
  sizes: number[];
  /** No more chunks will come: its recorder stopped, or the page recording it went away. */
  ended: boolean;
  /** The tus upload (a URL under the host), once created. */
  uploadUrl: string | null;
  /** The host has it whole: chunks deleted, the record kept so that its number is not used again. */
  done: boolean;
}

const DB = 'streams-guest-takes';
const TAKES = 'takes';
const CHUNKS = 'chunks';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

export async function openTakeStore(): Promise<TakeStore> {
  const open = indexedDB.open(DB, 1);
  open.onupgradeneeded = () => {
    open.result.createObjectStore(TAKES, { keyPath: 'key' });
    open.result.createObjectStore(CHUNKS, { keyPath: ['key', 'seq'] });
  };
  return new TakeStore(await request(open));
}

export class TakeStore {
  constructor(private readonly db: IDBDatabase) {}

  async takes(guestId: string): Promise<StoredTake[]> {
    const all = (await request(this.db.transaction(TAKES).objectStore(TAKES).getAll())) as StoredTake[];
    return all.filter((t) => t.guestId === guestId).sort((a, b) => a.take - b.take);
  }

  async get(key: string): Promise<StoredTake | undefined> {
    return (await request(this.db.transaction(TAKES).objectStore(TAKES).get(key))) as StoredTake | undefined;
  }

  /** A new take. */
  async put(take: StoredTake): Promise<void> {
    const tx = this.db.transaction(TAKES, 'readwrite');
    tx.objectStore(TAKES).put(take);
    await done(tx);
  }

  /**
   * Changes some fields of a take, read and written in one transaction: chunks appended meanwhile stay
   * counted (writing back a copy read earlier would drop them from `sizes`, and the next chunk would then
   * overwrite one already kept: a take with a hole in the middle).
   */
  async update(key: string, change: Partial<Pick<StoredTake, 'take' | 'ended' | 'uploadUrl'>>): Promise<StoredTake | undefined> {
    const tx = this.db.transaction(TAKES, 'readwrite');
    const takes = tx.objectStore(TAKES);
    const take = (await request(takes.get(key))) as StoredTake | undefined;
    const next = take ? { ...take, ...change } : undefined;
    if (next) takes.put(next);
    await done(tx);
    return next;
  }

  /** Appends a chunk and its size to the take, in one transaction. */
  async append(key: string, blob: Blob): Promise<void> {
    // A Blob's bytes are read before the transaction: IndexedDB keeps them as they were recorded.
    const bytes = await blob.arrayBuffer();
    const tx = this.db.transaction([TAKES, CHUNKS], 'readwrite');
    const takes = tx.objectStore(TAKES);
    const take = (await request(takes.get(key))) as StoredTake | undefined;
    if (!take) throw new Error(`no take ${key}`);
    tx.objectStore(CHUNKS).put({ key, seq: take.sizes.length, bytes });
    takes.put({ ...take, sizes: [...take.sizes, bytes.byteLength] });
    await done(tx);
  }

  async chunk(key: string, seq: number): Promise<ArrayBuffer> {
    const row = (await request(this.db.transaction(CHUNKS).objectStore(CHUNKS).get([key, seq]))) as { bytes: ArrayBuffer } | undefined;
    if (!row) throw new Error(`take ${key} lost its chunk ${seq}`);
    return row.bytes;
  }

  /** The host has the whole take: its chunks go, its record stays (done). */
  async finish(key: string): Promise<void> {
    const tx = this.db.transaction([TAKES, CHUNKS], 'readwrite');
    tx.objectStore(CHUNKS).delete(IDBKeyRange.bound([key, 0], [key, Number.MAX_SAFE_INTEGER]));
    const take = (await request(tx.objectStore(TAKES).get(key))) as StoredTake | undefined;
    if (take) tx.objectStore(TAKES).put({ ...take, done: true });
    await done(tx);
  }
}

/** The chunk holding byte `offset` of a take and how far into it; `seq === sizes.length` once past the last. */
export function chunkAt(sizes: readonly number[], offset: number): { seq: number; within: number } {
  let start = 0;
  for (const [seq, size] of sizes.entries()) {
    if (offset < start + size) return { seq, within: offset - start };
    start += size;
  }
  return { seq: sizes.length, within: offset - start };
}

export const totalOf = (sizes: readonly number[]): number => sizes.reduce((a, b) => a + b, 0);

/**
 * The host's clock against ours from the answers of /state: each is `{ sent, received, host }` (our
 * Date.now() before and after, the host's `now`); the answer that came back quickest is the truest
 * (NTP's rule), its error at most half its round trip.
 */
export function clockOffset(samples: readonly { sent: number; received: number; host: number }[]): { offsetMs: number; errorMs: number } | null {
  let best: { sent: number; received: number; host: number } | null = null;
  for (const s of samples) if (!best || s.received - s.sent < best.received - best.sent) best = s;
  if (!best) return null;
  return { offsetMs: best.host - (best.sent + best.received) / 2, errorMs: (best.received - best.sent) / 2 };
}

/** The next take's number: after every take this browser or the host knows of. */
export function nextTakeNumber(local: readonly { take: number }[], onHost: number): number {
  return Math.max(onHost, ...local.map((t) => t.take), 0) + 1;
}
