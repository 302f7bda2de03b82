import { create } from 'zustand';
import type { MethodInput, Video } from '../../../src-shared/contract/index.js';
import { call, onConnection, onEvent, toClientError } from '../../api/client.js';
import { attempt, toastError, toastSuccess } from '../../ui/toast-store.js';

type UpdateInput = Omit<MethodInput<'videos.update'>, 'id'>;
type ProcessInput = Omit<MethodInput<'videos.process'>, 'id'>;
type SubtitleInput = Omit<MethodInput<'videos.addSubtitles'>, 'id'>;

interface LibraryState {
  loaded: boolean;
  videos: Record<string, Video>;
  load(): Promise<void>;
  /** One video the list does not hold yet (a page opened by its address). */
  fetch(id: string): Promise<void>;
  /** The video a finished upload became (found by the last part of its URL), if the host made it yet. */
  findByUpload(uploadId: string): Promise<Video | null>;
  update(id: string, patch: UpdateInput): Promise<Video | null>;
  remove(id: string): Promise<boolean>;
  process(id: string, options?: ProcessInput): Promise<void>;
  cancel(id: string): Promise<void>;
  addSubtitles(id: string, track: SubtitleInput): Promise<boolean>;
  deleteSubtitles(id: string, subtitleId: string): Promise<void>;
}

const keep = (video: Video) => useLibrary.setState((s) => ({ videos: { ...s.videos, [video.id]: video } }));

const forget = (id: string) =>
  useLibrary.setState((s) => {
    const { [id]: _gone, ...rest } = s.videos;
    return { videos: rest };
  });


export const useLibrary = create<LibraryState>()((set) => ({
  loaded: false,
  videos: {},

  async load() {
    const list = await attempt(() => call('videos.list', {}));
    if (list) set({ loaded: true, videos: Object.fromEntries(list.map((v) => [v.id, v])) });
  },

  async fetch(id) {
    try {
      keep(await call('videos.get', { id }));
    } catch (err) {
      // Deleted meanwhile, or a stale address: the page says so itself.
      if (toClientError(err).code !== 'NOT_FOUND') toastError(err);
    }
  },

  async findByUpload(uploadId) {
    const [video] = (await attempt(() => call('videos.list', { uploadId }))) ?? [];
    if (video) keep(video);
    return video ?? null;
  },

  async update(id, patch) {
    const video = await attempt(() => call('videos.update', { id, ...patch }));
    if (video) keep(video);
    return video;
  },

  async remove(id) {
    const done = await attempt(() => call('videos.delete', { id }));
    if (!done) return false;
    forget(id);
    toastSuccess('Video deleted');
    return true;
  },

  async process(id, options = {}) {
    // Accepted (202): the new job's progress arrives as video.changed.
    const video = await attempt(() => call('videos.process', { id, ...options }));
    if (video) keep(video);
  },

  async cancel(id) {
    const video = await attempt(() => call('videos.cancel', { id }));
    if (video) keep(video);
  },

  async addSubtitles(id, track) {
    const video = await attempt(() => call('videos.addSubtitles', { id, ...track }));
    if (video) keep(video);
    return video !== null;
  },

  async deleteSubtitles(id, subtitleId) {
    const video = await attempt(() => call('videos.deleteSubtitles', { id, subtitleId }));
    if (video) keep(video);
  },
}));

/** Listeners of video.changed beside the store (the upload list links its files to their videos). */
const changeListeners = new Set<(video: Video) => void>();

export function onVideoChanged(listener: (video: Video) => void): () => void {
  changeListeners.add(listener);
  return () => changeListeners.delete(listener);
}

export function connectLibrary(): void {
  // On every (re)connection: whatever was processed while away comes with one fresh list.
  onConnection((state) => {
    if (state === 'live') void useLibrary.getState().load();
  });
  onEvent('video.changed', ({ id, video }) => {
    if (!video) return forget(id);
    keep(video);
    changeListeners.forEach((listener) => listener(video));
  });
}
