import { create } from 'zustand';
import { API_PREFIX, showSchema, type Episode, type MethodInput, type Show } from '../../../src-shared/contract/index.js';
import { call, onConnection, toClientError, uploadFile } from '../../api/client.js';
import { attempt, toastError, toastSuccess } from '../../ui/toast-store.js';
import { errorsByField } from './podcasts-model.js';

/** A save: the saved thing, or the host's errors by field (the toast already said what happened). */
export type Saved<T> = { ok: true; value: T } | { ok: false; errors: Record<string, string> };

type CreateEpisode = Omit<MethodInput<'podcasts.createEpisode'>, 'id'>;
type EpisodePatch = Omit<MethodInput<'podcasts.updateEpisode'>, 'id' | 'episodeId'>;
type ShowPatch = Omit<MethodInput<'podcasts.updateShow'>, 'id'>;

interface PodcastsState {
  loaded: boolean;
  shows: Record<string, Show>;
  /** Each show's episodes as the host lists them, newest first (absent until asked). */
  episodes: Record<string, Episode[]>;
  load(): Promise<void>;
  /** One show (a page opened by its address); false when there is no such show. */
  fetchShow(id: string): Promise<boolean>;
  createShow(input: MethodInput<'podcasts.createShow'>): Promise<Saved<Show>>;
  updateShow(id: string, patch: ShowPatch): Promise<Saved<Show>>;
  deleteShow(id: string): Promise<boolean>;
  /** PUT /api/v1/shows/:id/artwork with the file as the body (a JPEG or PNG). */
  setArtwork(id: string, file: File): Promise<boolean>;
  loadEpisodes(showId: string): Promise<void>;
  createEpisode(showId: string, input: CreateEpisode): Promise<Saved<Episode>>;
  updateEpisode(showId: string, episodeId: string, patch: EpisodePatch): Promise<Saved<Episode>>;
  deleteEpisode(showId: string, episodeId: string): Promise<boolean>;
}

const keepShow = (show: Show) => usePodcasts.setState((s) => ({ shows: { ...s.shows, [show.id]: show } }));

const keepEpisode = (ep: Episode) =>
  usePodcasts.setState((s) => {
    const list = s.episodes[ep.showId] ?? [];
    const next = list.some((e) => e.id === ep.id) ? list.map((e) => (e.id === ep.id ? ep : e)) : [ep, ...list];
    return { episodes: { ...s.episodes, [ep.showId]: next } };
  });

/** Runs a save; a refusal is toasted and its field errors returned for the form. */
async function saving<T>(run: () => Promise<T>): Promise<Saved<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (err) {
    const error = toClientError(err);
    toastError(error);
    return { ok: false, errors: errorsByField(error.fields) };
  }
}

export const usePodcasts = create<PodcastsState>()((set, get) => ({
  loaded: false,
  shows: {},
  episodes: {},

  async load() {
    const list = await attempt(() => call('podcasts.shows', {}));
    if (list) set({ loaded: true, shows: Object.fromEntries(list.map((s) => [s.id, s])) });
  },

  async fetchShow(id) {
    try {
      keepShow(await call('podcasts.show', { id }));
      return true;
    } catch (err) {
      if (toClientError(err).code !== 'NOT_FOUND') toastError(err);
      return false;
    }
  },

  async createShow(input) {
    const saved = await saving(() => call('podcasts.createShow', input));
    if (saved.ok) {
      keepShow(saved.value);
      toastSuccess('Show created', saved.value.title);
    }
    return saved;
  },

  async updateShow(id, patch) {
    const saved = await saving(() => call('podcasts.updateShow', { id, ...patch }));
    if (saved.ok) keepShow(saved.value);
    return saved;
  },

  async deleteShow(id) {
    const done = await attempt(() => call('podcasts.deleteShow', { id }));
    if (!done) return false;
    set((s) => {
      const { [id]: _show, ...shows } = s.shows;
      const { [id]: _episodes, ...episodes } = s.episodes;
      return { shows, episodes };
    });
    toastSuccess('Show deleted');
    return true;
  },

  async setArtwork(id, file) {
    const show = await attempt(() => uploadFile<Show>('PUT', `${API_PREFIX}/shows/${encodeURIComponent(id)}/artwork`, file, showSchema));
    if (show) keepShow(show);
    return show !== null;
  },

  async loadEpisodes(showId) {
    try {
      const list = await call('podcasts.episodes', { id: showId });
      set((s) => ({ episodes: { ...s.episodes, [showId]: list } }));
      // Another client added or deleted one: the show's count follows.
      const show = get().shows[showId];
      if (show && show.episodes !== list.length) void get().fetchShow(showId);
    } catch (err) {
      // A poll that fails once (the host restarting) is tried again by the next one.
      if (toClientError(err).code !== 'UNAVAILABLE') toastError(err);
    }
  },

  async createEpisode(showId, input) {
    const saved = await saving(() => call('podcasts.createEpisode', { id: showId, ...input }));
    if (saved.ok) {
      keepEpisode(saved.value);
      // The show's episode count.
      void get().fetchShow(showId);
    }
    return saved;
  },

  async updateEpisode(showId, episodeId, patch) {
    const saved = await saving(() => call('podcasts.updateEpisode', { id: showId, episodeId, ...patch }));
    if (saved.ok) keepEpisode(saved.value);
    return saved;
  },

  async deleteEpisode(showId, episodeId) {
    const done = await attempt(() => call('podcasts.deleteEpisode', { id: showId, episodeId }));
    if (!done) return false;
    set((s) => ({ episodes: { ...s.episodes, [showId]: (s.episodes[showId] ?? []).filter((e) => e.id !== episodeId) } }));
    void get().fetchShow(showId);
    toastSuccess('Episode deleted');
    return true;
  },
}));

export function connectPodcasts(): void {
  // Podcasts send no events yet: once the page has been opened, a fresh list on every reconnection
  // covers what changed meanwhile (the page itself loads on opening).
  onConnection((state) => {
    if (state === 'live' && usePodcasts.getState().loaded) void usePodcasts.getState().load();
  });
}
