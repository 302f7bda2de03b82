import { Upload } from 'tus-js-client';
import { create } from 'zustand';
import { onVideoChanged, useLibrary } from './store.js';
import { titleFromFile } from './format.js';
import { CHUNK_BYTES, partsFor, smoothRate, uploadIdOf } from './upload-model.js';

export type UploadPhase = 'uploading' | 'paused' | 'done' | 'failed';

/** One file of the upload dialog; its video (once the host made one) carries what happens next. */
export interface UploadItem {
  key: string;
  name: string;
  size: number;
  /** Partial uploads sent side by side (the concatenation extension), 1 for a small file. */
  parts: number;
  sent: number;
  phase: UploadPhase;
  /** Bytes per second, smoothed; null before the first progress or while paused. */
  rate: number | null;
  error: string | null;
  uploadId: string | null;
  videoId: string | null;
}

interface UploadsState {
  items: UploadItem[];
  add(files: File[]): void;
  pause(key: string): void;
  resume(key: string): void;
  /** Stops the upload and removes it from the host (the tus termination). */
  cancel(key: string): void;
  /** Drops finished and failed rows from the list. */
  clearDone(): void;
}

/** The tus clients of the rows, outside the state: they are not data to render. */
const clients = new Map<string, { upload: Upload; last: { at: number; sent: number } }>();
let nextKey = 1;

const patch = (key: string, change: Partial<UploadItem>) =>
  useUploads.setState((s) => ({ items: s.items.map((item) => (item.key === key ? { ...item, ...change } : item)) }));

const itemOf = (key: string) => useUploads.getState().items.find((item) => item.key === key);

async function linkVideo(key: string, url: string | null): Promise<void> {
  const uploadId = uploadIdOf(url);
  if (!uploadId) return;
  patch(key, { uploadId });
  // The event may come first (then onVideoChanged below linked it already), or the list answers.
  const video = itemOf(key)?.videoId ? null : await useLibrary.getState().findByUpload(uploadId);
  if (video) patch(key, { videoId: video.id });
}

function start(file: File): void {
  const key = `u${nextKey++}`;
  const parts = partsFor(file.size);
  const item: UploadItem = { key, name: file.name, size: file.size, parts, sent: 0, phase: 'uploading', rate: null, error: null, uploadId: null, videoId: null };
  useUploads.setState((s) => ({ items: [...s.items, item] }));
  const upload = new Upload(file, {
    endpoint: '/api/v1/uploads',
    chunkSize: CHUNK_BYTES,
    parallelUploads: parts,
    metadata: { filename: file.name, filetype: file.type || 'application/octet-stream', title: titleFromFile(file.name) },
    metadataForPartialUploads: { filename: file.name },
    // Same origin: the session cookie goes along. A cut link is retried, then the row offers Resume.
    retryDelays: [0, 1000, 3000, 5000, 10_000],
    removeFingerprintOnSuccess: true,
    onProgress(sent) {
      const client = clients.get(key);
      const now = performance.now();
      const rate = client ? smoothRate(itemOf(key)?.rate ?? null, sent - client.last.sent, now - client.last.at) : null;
      if (client) client.last = { at: now, sent };
      patch(key, { sent, rate });
    },
    onUploadUrlAvailable() {
      void linkVideo(key, upload.url);
    },
    onSuccess() {
      patch(key, { sent: file.size, phase: 'done', rate: null });
      void linkVideo(key, upload.url);
    },
    onError(error) {
      patch(key, { phase: 'failed', rate: null, error: describeTusError(error) });
    },
  });
  clients.set(key, { upload, last: { at: performance.now(), sent: 0 } });
  upload.start();
}

/** tus-js-client's error text carries the whole request; the host's JSON message says it in words. */
function describeTusError(error: Error): string {
  const body = /response text: (\{.*\})/.exec(error.message)?.[1];
  try {
    const parsed = body ? (JSON.parse(body) as { error?: { message?: string } }) : null;
    if (parsed?.error?.message) return parsed.error.message;
  } catch {
    // Not JSON: fall through to the status line.
  }
  const status = /response code: (\d+)/.exec(error.message)?.[1];
  return status ? `the host answered ${status}` : error.message.split(',')[0] ?? 'the upload failed';
}

export const useUploads = create<UploadsState>()((set) => ({
  items: [],
  add(files) {
    files.forEach(start);
  },
  pause(key) {
    const client = clients.get(key);
    if (!client || itemOf(key)?.phase !== 'uploading') return;
    void client.upload.abort();
    patch(key, { phase: 'paused', rate: null });
  },
  resume(key) {
    const client = clients.get(key);
    const phase = itemOf(key)?.phase;
    if (!client || (phase !== 'paused' && phase !== 'failed')) return;
    // start() again asks the host for its offset (HEAD) and goes on from there.
    client.last = { at: performance.now(), sent: itemOf(key)?.sent ?? 0 };
    patch(key, { phase: 'uploading', error: null });
    client.upload.start();
  },
  cancel(key) {
    const client = clients.get(key);
    clients.delete(key);
    void client?.upload.abort(true).catch(() => undefined);
    set((s) => ({ items: s.items.filter((item) => item.key !== key) }));
  },
  clearDone() {
    set((s) => ({ items: s.items.filter((item) => item.phase !== 'done' && item.phase !== 'failed') }));
  },
}));

// A video made from one of our uploads: link the row at once, whatever the list call answers.
onVideoChanged((video) => {
  if (!video.uploadId) return;
  const item = useUploads.getState().items.find((i) => i.uploadId === video.uploadId && !i.videoId);
  if (item) patch(item.key, { videoId: video.id });
});
