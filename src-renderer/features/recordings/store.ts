import { create } from 'zustand';
import type { LadderPreset, Recording } from '../../../src-shared/contract/index.js';
import { call, onConnection, onEvent, toClientError } from '../../api/client.js';
import { toastError, toastSuccess } from '../../ui/toast-store.js';

interface RecordingsState {
  loaded: boolean;
  recordings: Record<string, Recording>;
  load(): Promise<void>;
  /** Fetches one recording the list does not hold yet (the one a stream names as in progress). */
  fetch(id: string): Promise<void>;
  start(name: string): Promise<Recording | null>;
  stop(name: string): Promise<Recording | null>;
  remove(id: string): Promise<boolean>;
  convert(id: string, ladder: LadderPreset): Promise<void>;
}

const without = <T>(record: Record<string, T>, id: string): Record<string, T> => {
  const { [id]: _gone, ...rest } = record;
  return rest;
};

const keep = (recording: Recording) =>
  useRecordings.setState((s) => ({ recordings: { ...s.recordings, [recording.id]: recording } }));

const forget = (id: string) => useRecordings.setState((s) => ({ recordings: without(s.recordings, id) }));

export const useRecordings = create<RecordingsState>()((set) => ({
  loaded: false,
  recordings: {},

  async load() {
    try {
      const list = await call('recordings.list', {});
      set({ loaded: true, recordings: Object.fromEntries(list.map((r) => [r.id, r])) });
    } catch (err) {
      toastError(err);
    }
  },

  async fetch(id) {
    try {
      keep(await call('recordings.get', { id }));
    } catch (err) {
      // Gone already (deleted, or a stale id on a stream): nothing to show, nothing to report.
      if (toClientError(err).code !== 'NOT_FOUND') toastError(err);
    }
  },

  async start(name) {
    try {
      const recording = await call('recordings.start', { name });
      keep(recording);
      return recording;
    } catch (err) {
      toastError(err);
      return null;
    }
  },

  async stop(name) {
    try {
      const recording = await call('recordings.stop', { name });
      keep(recording);
      toastSuccess('Recording saved', `${name}: find it under Recordings`);
      return recording;
    } catch (err) {
      toastError(err);
      return null;
    }
  },

  async remove(id) {
    try {
      await call('recordings.delete', { id });
      forget(id);
      toastSuccess('Recording deleted');
      return true;
    } catch (err) {
      toastError(err);
      return false;
    }
  },

  async convert(id, ladder) {
    try {
      // Accepted (202): the VOD is made in the background, its progress arrives as recording.changed.
      keep(await call('recordings.convert', { id, ladder }));
    } catch (err) {
      toastError(err);
    }
  },
}));

export function connectRecordings(): void {
  // On every (re)connection: recordings that ended or were converted while away come with one fresh list.
  onConnection((state) => {
    if (state === 'live') void useRecordings.getState().load();
  });
  onEvent('recording.changed', ({ id, recording }) => {
    if (recording) keep(recording);
    else forget(id);
  });
}
