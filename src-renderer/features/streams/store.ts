import { create } from 'zustand';
import type {
  MethodInput,
  MethodOutput,
  Stream,
  StreamStats,
  StreamWithKey,
  ViewerStats,
} from '../../../src-shared/contract/index.js';
import { call, onConnection, onEvent, toClientError } from '../../api/client.js';
import { toastError, toastSuccess } from '../../ui/toast-store.js';
import { appendStreamSample, EMPTY_STREAM_SERIES, type StreamSeries } from './stream-series.js';

export type SignedUrls = MethodOutput<'streams.signUrl'>;

/** A key on screen: shown once after creation or rotation, never fetched again. */
export interface RevealedKey {
  stream: StreamWithKey;
  reason: 'created' | 'rotated';
}

interface StreamsState {
  loaded: boolean;
  streams: Record<string, Stream>;
  stats: Record<string, StreamStats>;
  series: Record<string, StreamSeries>;
  viewers: Record<string, ViewerStats>;
  signed: Record<string, SignedUrls>;
  revealed: RevealedKey | null;
  load(): Promise<void>;
  refresh(name: string): Promise<void>;
  /** Resolves to the host's field errors (`{name: 'already taken'}`), or null on success. */
  create(input: MethodInput<'streams.create'>): Promise<Record<string, string> | null>;
  update(input: MethodInput<'streams.update'>): Promise<void>;
  remove(name: string): Promise<boolean>;
  rotateKey(name: string): Promise<void>;
  /** Signed URLs to hand out (kept for the Playback URLs card), or with `keep` false for the preview only. */
  signUrls(name: string, expiresInSec?: number, keep?: boolean): Promise<SignedUrls | null>;
  loadViewers(name: string): Promise<void>;
  dismissKey(): void;
}

const without = <T>(record: Record<string, T>, name: string): Record<string, T> => {
  const { [name]: _gone, ...rest } = record;
  return rest;
};

export const useStreams = create<StreamsState>()((set) => ({
  loaded: false,
  streams: {},
  stats: {},
  series: {},
  viewers: {},
  signed: {},
  revealed: null,

  async load() {
    try {
      const list = await call('streams.list');
      set({ loaded: true, streams: Object.fromEntries(list.map((s) => [s.name, s])) });
    } catch (err) {
      toastError(err);
    }
  },

  async refresh(name) {
    try {
      const stream = await call('streams.get', { name });
      set((s) => ({ streams: { ...s.streams, [name]: stream } }));
    } catch (err) {
      if (toClientError(err).code === 'NOT_FOUND') set((s) => ({ streams: without(s.streams, name) }));
    }
  },

  async create(input) {
    try {
      const stream = await call('streams.create', input);
      set((s) => ({ streams: { ...s.streams, [stream.name]: stream }, revealed: { stream, reason: 'created' } }));
      return null;
    } catch (err) {
      const error = toClientError(err);
      // As in Settings: the toast says what happened, the field says where.
      toastError(error);
      return Object.fromEntries(error.fields.map((f) => [f.path, f.message]));
    }
  },

  async update(input) {
    try {
      const stream = await call('streams.update', input);
      set((s) => ({ streams: { ...s.streams, [stream.name]: stream }, signed: without(s.signed, stream.name) }));
    } catch (err) {
      toastError(err);
    }
  },

  async remove(name) {
    try {
      await call('streams.delete', { name });
      forget(name);
      toastSuccess('Stream deleted', name);
      return true;
    } catch (err) {
      toastError(err);
      return false;
    }
  },

  async rotateKey(name) {
    try {
      const stream = await call('streams.rotateKey', { name });
      set((s) => ({ streams: { ...s.streams, [name]: stream }, revealed: { stream, reason: 'rotated' } }));
    } catch (err) {
      toastError(err);
    }
  },

  async signUrls(name, expiresInSec = 3600, keep = true) {
    try {
      const urls = await call('streams.signUrl', { name, expiresInSec });
      if (keep) set((s) => ({ signed: { ...s.signed, [name]: urls } }));
      return urls;
    } catch (err) {
      toastError(err);
      return null;
    }
  },

  async loadViewers(name) {
    try {
      const stats = await call('streams.viewers', { name });
      set((s) => ({ viewers: { ...s.viewers, [name]: stats } }));
    } catch {
      // Analytics are optional: the detail page shows what the events bring.
    }
  },

  dismissKey() {
    set({ revealed: null });
  },
}));

function forget(name: string): void {
  useStreams.setState((s) => ({
    streams: without(s.streams, name),
    stats: without(s.stats, name),
    series: without(s.series, name),
    viewers: without(s.viewers, name),
    signed: without(s.signed, name),
  }));
}

/** Streams sorted live first, then by name: the order of the list and of the dashboard card. */
export function sortStreams(streams: Record<string, Stream>): Stream[] {
  return Object.values(streams).sort((a, b) => Number(b.state === 'live') - Number(a.state === 'live') || a.name.localeCompare(b.name));
}

export function connectStreams(): void {
  // On every (re)connection: events missed while away are covered by one fresh list.
  onConnection((state) => {
    if (state === 'live') void useStreams.getState().load();
  });
  onEvent('streams.changed', ({ name, stream }) => {
    if (stream) useStreams.setState((s) => ({ streams: { ...s.streams, [name]: stream } }));
    else forget(name);
  });
  onEvent('stream.state', ({ name, state, at, reason }) => {
    const current = useStreams.getState().streams[name];
    // Unknown here: a replay about a deleted stream; a new one arrives with streams.changed.
    if (!current) return;
    const next = { ...current, state, stateAt: at, stateReason: reason, live: state === 'live' ? current.live : null };
    useStreams.setState((s) => ({ streams: { ...s.streams, [name]: next } }));
    // Publisher, tracks and renditions come with the stream itself, not with the event.
    void useStreams.getState().refresh(name);
  });
  onEvent('stream.stats', (sample) => {
    useStreams.setState((s) => ({
      stats: { ...s.stats, [sample.name]: sample },
      series: { ...s.series, [sample.name]: appendStreamSample(s.series[sample.name] ?? EMPTY_STREAM_SERIES, sample) },
    }));
  });
  onEvent('stream.viewers', (stats) => useStreams.setState((s) => ({ viewers: { ...s.viewers, [stats.name]: stats } })));
}
