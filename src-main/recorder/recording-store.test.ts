import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../store/db.js';
import { NO_VOD, RecordingStore, type StoredRecording } from './recording-store.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'recordings-store-'));
let db: Db;
let store: RecordingStore;

const recording = (id: string, startedAt: number, stream = 'main'): StoredRecording => ({
  id,
  stream,
  file: `${stream}_${id}.mp4`,
  container: 'mp4',
  state: 'recording',
  startedAt,
  endedAt: null,
  durationSec: 0,
  sizeBytes: 0,
  video: { codec: 'h264', width: 1280, height: 720 },
  audio: null,
  error: null,
  thumbnail: null,
  vod: NO_VOD,
});

beforeAll(() => {
  db = openDatabase(path.join(tmp, 'studio.db'));
  store = new RecordingStore(db);
});
afterAll(() => {
  db.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('RecordingStore', () => {
  it('round-trips a recording with its JSON columns', () => {
    const r = recording('rec_a', 1000);
    store.insert(r);
    expect(store.get('rec_a')).toEqual(r);
    expect(store.get('rec_missing')).toBeUndefined();
  });

  it('keeps the program date-time of the first frame (start_pdt) once known', () => {
    store.insert(recording('rec_p', 500));
    expect(store.get('rec_p')!.startPdt).toBeUndefined();
    expect(store.update('rec_p', { startPdt: 1_767_225_600_033 })!.startPdt).toBe(1_767_225_600_033);
    store.delete('rec_p');
  });

  it('keeps whether the stream was encrypted when it was recorded, and no patch changes it', () => {
    store.insert({ ...recording('rec_e', 700), encrypted: true });
    expect(store.get('rec_e')!.encrypted).toBe(true);
    store.update('rec_e', { state: 'complete' });
    expect(store.get('rec_e')!.encrypted).toBe(true);
    expect(store.get('rec_a')!.encrypted).toBeUndefined();
    store.delete('rec_e');
  });

  it('lists newest first, per stream when asked', () => {
    store.insert(recording('rec_b', 3000));
    store.insert(recording('rec_c', 2000, 'other'));
    expect(store.list().map((r) => r.id)).toEqual(['rec_b', 'rec_c', 'rec_a']);
    expect(store.list('main').map((r) => r.id)).toEqual(['rec_b', 'rec_a']);
    expect(store.inState('recording').map((r) => r.id)).toEqual(['rec_a', 'rec_c', 'rec_b']);
  });

  it('updates only the given fields, JSON included, and returns the row', () => {
    const vod = { ...NO_VOD, state: 'ready' as const, progress: 1, ladder: 'standard', hls: '/vod/rec_a/index.m3u8', dash: '/vod/rec_a/manifest.mpd' };
    const updated = store.update('rec_a', {
      state: 'complete',
      endedAt: 9000,
      durationSec: 8.02,
      sizeBytes: 123456,
      audio: { codec: 'aac', sampleRate: 48000, channels: 2 },
      thumbnail: 'rec_a.jpg',
      vod,
      error: undefined,
    });
    expect(updated).toEqual({
      ...recording('rec_a', 1000),
      state: 'complete',
      endedAt: 9000,
      durationSec: 8.02,
      sizeBytes: 123456,
      audio: { codec: 'aac', sampleRate: 48000, channels: 2 },
      thumbnail: 'rec_a.jpg',
      vod,
    });
    expect(store.update('rec_a', { video: null, error: 'disk almost full' })).toMatchObject({ video: null, error: 'disk almost full', state: 'complete' });
    expect(store.update('rec_nope', { state: 'failed' })).toBeUndefined();
  });

  it('reads a damaged JSON column as empty instead of failing the list', () => {
    db.prepare("UPDATE recordings SET video = '{oops', vod = 'null' WHERE id = 'rec_b'").run();
    expect(store.get('rec_b')).toMatchObject({ video: null, vod: NO_VOD });
  });

  it('deletes', () => {
    expect(store.delete('rec_c')).toBe(true);
    expect(store.delete('rec_c')).toBe(false);
    expect(store.list().map((r) => r.id)).toEqual(['rec_b', 'rec_a']);
  });
});
