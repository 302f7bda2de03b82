import { chunkAt, nextTakeNumber, totalOf, type StoredTake, type TakeStore } from './iso-store.js';

/** Where a guest's takes go (tus 1.0; not under /api/v1, which is for users). */
export const GUEST_UPLOADS_PATH = '/guest-uploads';
/** MediaRecorder hands over a chunk this often (ms): at most this much is lost with a closed tab. */
const CHUNK_MS = 1000;
/** Each PATCH sends up to this much. */
const PATCH_BYTES = 4 * 1024 * 1024;
/** The uploader looks for work this often (ms). */
const PUMP_MS = 1000;
/** Full quality for the editor: well above what the show's WebRTC sends. */
const VIDEO_BITS = 8_000_000;
const AUDIO_BITS = 192_000;

export interface IsoStatus {
  /** The take being recorded now, else null. */
  recording: number | null;
  /** Bytes recorded and bytes the host has, over the takes not yet complete on the host. */
  recordedBytes: number;
  sentBytes: number;
  /** Takes still to be sent whole (the one recording counts). */
  pending: number;
  /** Takes this page finished sending (the host has them whole). */
  delivered: number;
  /** Why sending stopped (the host refused, a take was lost), else null. */
  problem: string | null;
}

/** The recorder's container and codecs, the best this browser has. */
export function recorderMime(video: boolean, supported: (mime: string) => boolean): string | null {
  const choices = video ? ['video/webm;codecs=vp9,opus', 'video/webm;codecs=vp8,opus', 'video/webm'] : ['audio/webm;codecs=opus', 'audio/webm'];
  return choices.find(supported) ?? null;
}

const b64 = (text: string): string => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

class RefusedError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The guest's own recording of the show (ISO): records their camera and microphone as captured
 * (MediaRecorder, a chunk a second into IndexedDB) and sends each take to the host over tus as it
 * records and after, resuming where the host's copy ends. One object per page; a page opened again
 * takes over the takes of a page that went away (a Web Lock per take tells whether its recorder lives).
 */
export class GuestIso {
  private recorder: { rec: MediaRecorder; key: string; take: number; release: () => void; written: Promise<void> } | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;
  private pumping = false;
  private status: IsoStatus = { recording: null, recordedBytes: 0, sentBytes: 0, pending: 0, delivered: 0, problem: null };
  /** Offsets the host confirmed, by take key (for the status between HEADs). */
  private readonly sent = new Map<string, number>();

  constructor(
    private readonly o: {
      guestId: string;
      token: string;
      store: TakeStore;
      /** The host's clock now (ms), or null until the page has heard it. */
      hostNow: () => number | null;
      /** The highest take number the host has of this guest. */
      hostTakes: () => number;
      onStatus: (status: IsoStatus) => void;
    },
  ) {}

  /** Takes of pages that went away are ended (their recorder is gone), then sending starts. */
  async start(): Promise<void> {
    const held = new Set(((await navigator.locks.query()).held ?? []).map((l) => l.name));
    for (const t of await this.o.store.takes(this.o.guestId)) {
      if (!t.ended && !t.done && !held.has(lockName(t.key))) await this.o.store.update(t.key, { ended: true });
    }
    this.timer = setInterval(() => void this.pump(), PUMP_MS);
    void this.pump();
  }

  dispose(): void {
    clearInterval(this.timer);
    void this.stopRecording();
  }

  /** Records `stream` as a new take (ending the one before). */
  async record(stream: MediaStream): Promise<void> {
    await this.stopRecording();
    const video = stream.getVideoTracks().length > 0;
    const mimeType = recorderMime(video, (m) => MediaRecorder.isTypeSupported(m));
    const hostNow = this.o.hostNow();
    if (!mimeType || hostNow === null) return this.report({ problem: mimeType ? null : 'This browser cannot record the show for the producer (no WebM recorder).' });
    const key = `${this.o.guestId}:${crypto.randomUUID()}`;
    let release = (): void => undefined;
    await new Promise<void>((granted) => {
      void navigator.locks.request(lockName(key), () => {
        granted();
        return new Promise<void>((r) => (release = r));
      });
    });
    const take = nextTakeNumber(await this.o.store.takes(this.o.guestId), this.o.hostTakes());
    const rec = new MediaRecorder(stream, { mimeType, ...(video ? { videoBitsPerSecond: VIDEO_BITS } : {}), audioBitsPerSecond: AUDIO_BITS });
    // Dated as it starts: its first frame is the next one captured.
    const startedAt = (this.o.hostNow() ?? hostNow) as number;
    await this.o.store.put({ key, guestId: this.o.guestId, take, startedAt, mimeType: rec.mimeType || mimeType, sizes: [], ended: false, uploadUrl: null, done: false });
    const current = { rec, key, take, release, written: Promise.resolve() };
    rec.addEventListener('dataavailable', (e) => {
      if (e.data.size > 0) current.written = current.written.then(() => this.o.store.append(key, e.data)).catch((error: unknown) => this.report({ problem: `Your recording could not be kept in this browser (${(error as Error).message}).` }));
    });
    rec.start(CHUNK_MS);
    this.recorder = current;
    this.report({ recording: take });
  }

  /** The take ends: its last chunk is kept, then it is sent whole. */
  async stopRecording(): Promise<void> {
    const current = this.recorder;
    if (!current) return;
    this.recorder = null;
    if (current.rec.state !== 'inactive') {
      await new Promise<void>((resolve) => {
        current.rec.addEventListener('stop', () => resolve(), { once: true });
        current.rec.stop();
      });
    }
    await current.written;
    await this.o.store.update(current.key, { ended: true });
    current.release();
    this.report({ recording: null });
    void this.pump();
  }

  /** Part of the recording is not on the host yet. */
  unsent(): boolean {
    return this.status.pending > 0 && (this.status.recording !== null || this.status.sentBytes < this.status.recordedBytes);
  }

  /** A page about to go: what the recorder holds is asked for (it may or may not be kept in time). */
  flush(): void {
    if (this.recorder?.rec.state === 'recording') this.recorder.rec.requestData();
  }

  private report(change: Partial<IsoStatus>): void {
    this.status = { ...this.status, ...change };
    this.o.onStatus(this.status);
  }

  /** Sends what the host lacks of every take, oldest first. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      // Each take read again as its turn comes: the one recording has grown while the others were sent.
      for (const { key } of await this.o.store.takes(this.o.guestId)) {
        const t = await this.o.store.get(key);
        if (t && !t.done) await this.send(t);
      }
      this.report({ problem: null });
    } catch (error) {
      this.report({ problem: error instanceof RefusedError ? error.message : `Sending your recording paused (${(error as Error).message}); it goes on by itself.` });
      if (error instanceof RefusedError && (error.status === 410 || error.status === 401)) clearInterval(this.timer);
    } finally {
      this.pumping = false;
      await this.count();
    }
  }

  private async count(): Promise<void> {
    const open = (await this.o.store.takes(this.o.guestId)).filter((t) => !t.done);
    this.report({
      pending: open.length,
      recordedBytes: open.reduce((n, t) => n + totalOf(t.sizes), 0),
      sentBytes: open.reduce((n, t) => n + (this.sent.get(t.key) ?? 0), 0),
    });
  }

  private async send(first: StoredTake): Promise<void> {
    let t = first;
    if (!t.uploadUrl) {
      if (t.sizes.length === 0) return;
      t = await this.create(t);
    }
    const at = await this.head(t.uploadUrl!);
    if (at === null) {
      // The host no longer has it (expired unfinished): sent again from the start.
      await this.o.store.update(t.key, { uploadUrl: null });
      return;
    }
    let { offset } = at;
    const total = totalOf(t.sizes);
    while (offset < total) {
      const { seq, within } = chunkAt(t.sizes, offset);
      const parts: ArrayBuffer[] = [];
      let bytes = 0;
      let s = seq;
      for (; s < t.sizes.length && bytes < PATCH_BYTES; s++) {
        const chunk = await this.o.store.chunk(t.key, s);
        const part = s === seq ? chunk.slice(within) : chunk;
        parts.push(part);
        bytes += part.byteLength;
      }
      const last = t.ended && s === t.sizes.length;
      offset = await this.patch(t.uploadUrl!, offset, new Blob(parts), last ? total : undefined);
      this.sent.set(t.key, offset);
      if (last) at.length = total;
    }
    if (!t.ended) return;
    if (at.length === null) await this.patch(t.uploadUrl!, offset, new Blob([]), total);
    await this.o.store.finish(t.key);
    this.sent.delete(t.key);
    this.report({ delivered: this.status.delivered + 1 });
  }

  private async create(t: StoredTake): Promise<StoredTake> {
    const metadata = {
      take: String(t.take),
      startedAt: String(Math.round(t.startedAt)),
      mimetype: t.mimeType,
      filename: `take-${t.take}.webm`,
    };
    const res = await fetch(GUEST_UPLOADS_PATH, {
      method: 'POST',
      headers: { ...this.headers(), 'Upload-Defer-Length': '1', 'Upload-Metadata': Object.entries(metadata).map(([k, v]) => `${k} ${b64(v)}`).join(',') },
    });
    if (res.status === 409) {
      // The host has a take of that number (another browser of this guest's): this one moves after it.
      const take = nextTakeNumber(await this.o.store.takes(this.o.guestId), Math.max(this.o.hostTakes(), t.take));
      return this.create((await this.o.store.update(t.key, { take })) ?? { ...t, take });
    }
    if (res.status !== 201) throw await refused(res);
    const url = new URL(res.headers.get('Location') ?? '', window.location.href).pathname;
    return (await this.o.store.update(t.key, { uploadUrl: url })) ?? { ...t, uploadUrl: url };
  }

  private async head(url: string): Promise<{ offset: number; length: number | null } | null> {
    const res = await fetch(url, { method: 'HEAD', headers: this.headers(), cache: 'no-store' });
    if (res.status === 404 || res.status === 410) return null;
    if (!res.ok) throw await refused(res);
    const length = res.headers.get('Upload-Length');
    return { offset: Number(res.headers.get('Upload-Offset') ?? 0), length: length === null ? null : Number(length) };
  }

  private async patch(url: string, offset: number, body: Blob, length?: number): Promise<number> {
    const res = await fetch(url, {
      method: 'PATCH',
      headers: { ...this.headers(), 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(offset), ...(length !== undefined ? { 'Upload-Length': String(length) } : {}) },
      body,
    });
    if (res.status === 409) return Number(res.headers.get('Upload-Offset') ?? offset);
    if (res.status !== 204) throw await refused(res);
    return Number(res.headers.get('Upload-Offset'));
  }

  private headers(): Record<string, string> {
    return { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${this.o.token}` };
  }
}

const lockName = (key: string): string => `guest-take:${key}`;

async function refused(res: Response): Promise<Error> {
  let message = `the studio answered HTTP ${res.status}`;
  try {
    const body = (await res.json()) as { error?: { message?: string } };
    if (body.error?.message) message = body.error.message;
  } catch {
    // not JSON
  }
  return res.status === 401 || res.status === 403 || res.status === 410 ? new RefusedError(res.status, `The studio no longer takes your recording: ${message}`) : new Error(message);
}
