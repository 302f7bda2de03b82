import type { Episode, MethodInput, Recording, Show, Video } from '../../../src-shared/contract/index.js';
import { formatLength, fromLocalInput, toLocalInput } from './podcasts-model.js';

/** A new show's form, as typed. */
export interface NewShowDraft {
  title: string;
  author: string;
  ownerEmail: string;
  category: string;
  language: string;
  explicit: boolean;
  private: boolean;
  description: string;
  slug: string;
}

export const EMPTY_NEW_SHOW: NewShowDraft = {
  title: '',
  author: '',
  ownerEmail: '',
  category: 'Technology',
  language: 'en',
  explicit: false,
  private: false,
  description: '',
  slug: '',
};

/** The create call's input: optional fields left empty are left out, so the host picks its defaults. */
export function newShowInput(d: NewShowDraft): MethodInput<'podcasts.createShow'> {
  const slug = d.slug.trim();
  const language = d.language.trim();
  return {
    title: d.title,
    author: d.author,
    ownerEmail: d.ownerEmail,
    category: d.category,
    explicit: d.explicit,
    private: d.private,
    ...(language ? { language } : {}),
    ...(d.description.trim() ? { description: d.description } : {}),
    ...(slug ? { slug } : {}),
  };
}

/** A show's settings form: every editable field, nullable ones as '' when unset. */
export interface ShowDraft {
  title: string;
  author: string;
  ownerName: string;
  ownerEmail: string;
  category: string;
  language: string;
  description: string;
  copyright: string;
  link: string;
  liveStream: string;
  prefixUrl: string;
  explicit: boolean;
  private: boolean;
  locked: boolean;
}

export function showDraftOf(s: Show): ShowDraft {
  return {
    title: s.title,
    author: s.author,
    ownerName: s.ownerName,
    ownerEmail: s.ownerEmail,
    category: s.category,
    language: s.language,
    description: s.description,
    copyright: s.copyright,
    link: s.link ?? '',
    liveStream: s.liveStream ?? '',
    prefixUrl: s.prefixUrl ?? '',
    explicit: s.explicit,
    private: s.private,
    locked: s.locked,
  };
}

type ShowPatch = Omit<MethodInput<'podcasts.updateShow'>, 'id'>;
const NULLABLE = new Set<keyof ShowDraft>(['link', 'liveStream', 'prefixUrl']);

/** Only what changed, as the update call takes it ('' of a nullable field: null, i.e. unset). */
export function showPatch(show: Show, draft: ShowDraft): ShowPatch {
  const saved = showDraftOf(show);
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(draft) as (keyof ShowDraft)[]) {
    if (draft[key] === saved[key]) continue;
    const value = draft[key];
    patch[key] = NULLABLE.has(key) && typeof value === 'string' ? value.trim() || null : value;
  }
  return patch as ShowPatch;
}

export type PublishChoice = 'now' | 'draft' | 'schedule';
export type ExplicitChoice = 'show' | 'yes' | 'no';

/** An episode's form (new or edited), as typed. */
export interface EpisodeDraft {
  title: string;
  description: string;
  season: string;
  episode: string;
  episodeType: Episode['episodeType'];
  explicit: ExplicitChoice;
  publish: PublishChoice;
  /** A datetime-local value, for `schedule`. */
  publishAt: string;
}

/** A new episode's form: published as soon as its audio is ready; a schedule starts tomorrow at 9:00. */
export function emptyEpisodeDraft(now: number): EpisodeDraft {
  const tomorrow = new Date(now + 86_400_000);
  tomorrow.setHours(9, 0, 0, 0);
  return { title: '', description: '', season: '', episode: '', episodeType: 'full', explicit: 'show', publish: 'now', publishAt: toLocalInput(tomorrow.getTime()) };
}

export function episodeDraftOf(ep: Episode, now: number): EpisodeDraft {
  const scheduled = ep.status === 'published' && ep.publishAt !== null && ep.publishAt > now;
  return {
    title: ep.title,
    description: ep.description,
    season: ep.season === null ? '' : String(ep.season),
    episode: ep.episode === null ? '' : String(ep.episode),
    episodeType: ep.episodeType,
    explicit: ep.explicit === null ? 'show' : ep.explicit ? 'yes' : 'no',
    publish: ep.status === 'draft' ? 'draft' : scheduled ? 'schedule' : 'now',
    publishAt: scheduled ? toLocalInput(ep.publishAt!) : emptyEpisodeDraft(now).publishAt,
  };
}

export interface EpisodeFields {
  title: string;
  description: string;
  season: number | null;
  episode: number | null;
  episodeType: Episode['episodeType'];
  explicit: boolean | null;
  status: Episode['status'];
  publishAt: number | null;
}

const wholeNumber = (text: string, max: number): number | null | 'bad' => {
  const t = text.trim();
  if (t === '') return null;
  if (!/^\d+$/.test(t)) return 'bad';
  const n = Number(t);
  return n >= 1 && n <= max ? n : 'bad';
};

/** The form as the API's fields, or what is wrong with it by field before the host is asked. */
export function episodeFieldsOf(d: EpisodeDraft, now: number): { fields: EpisodeFields } | { errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  if (!d.title.trim()) errors.title = 'required';
  const season = wholeNumber(d.season, 10_000);
  const episode = wholeNumber(d.episode, 100_000);
  if (season === 'bad') errors.season = 'a whole number from 1';
  if (episode === 'bad') errors.episode = 'a whole number from 1';
  let publishAt: number | null = null;
  if (d.publish === 'schedule') {
    publishAt = fromLocalInput(d.publishAt);
    if (publishAt === null) errors.publishAt = 'pick a date and a time';
    else if (publishAt <= now) errors.publishAt = 'a moment still to come: or publish it now';
  }
  if (Object.keys(errors).length > 0 || season === 'bad' || episode === 'bad') return { errors };
  return {
    fields: {
      title: d.title.trim(),
      description: d.description,
      season,
      episode,
      episodeType: d.episodeType,
      explicit: d.explicit === 'show' ? null : d.explicit === 'yes',
      status: d.publish === 'draft' ? 'draft' : 'published',
      publishAt,
    },
  };
}

type EpisodePatch = Omit<MethodInput<'podcasts.updateEpisode'>, 'id' | 'episodeId'>;

/**
 * An edit as the update call takes it: only what changed; the status and date only when the choice
 * did (an episode published long ago keeps its date when only its title is edited).
 */
export function episodePatch(ep: Episode, fields: EpisodeFields, draft: EpisodeDraft, now: number): EpisodePatch {
  const patch: EpisodePatch = {};
  if (fields.title !== ep.title) patch.title = fields.title;
  if (fields.description !== ep.description) patch.description = fields.description;
  if (fields.season !== ep.season) patch.season = fields.season;
  if (fields.episode !== ep.episode) patch.episode = fields.episode;
  if (fields.episodeType !== ep.episodeType) patch.episodeType = fields.episodeType;
  if (fields.explicit !== ep.explicit) patch.explicit = fields.explicit;
  const before = episodeDraftOf(ep, now);
  if (draft.publish !== before.publish || (draft.publish === 'schedule' && fields.publishAt !== ep.publishAt)) {
    patch.status = fields.status;
    patch.publishAt = fields.publishAt;
  }
  return patch;
}

/** One choice of an episode's source: `video:<id>` or `recording:<id>`, and the title it suggests. */
export interface SourceOption {
  value: string;
  label: string;
  title: string;
}

/**
 * What an episode can be made from: ready library videos, and recordings that have ended with sound
 * (the host takes their audio directly). `when` writes a recording's start for people.
 */
export function sourceOptions(videos: readonly Video[], recordings: readonly Recording[], when: (ms: number) => string): { videos: SourceOption[]; recordings: SourceOption[] } {
  return {
    videos: videos
      .filter((v) => v.state === 'ready')
      .map((v) => ({ value: `video:${v.id}`, label: `${v.title}${v.durationSec !== null ? ` (${formatLength(v.durationSec)})` : ''}`, title: v.title })),
    recordings: recordings
      .filter((r) => r.endedAt !== null && (r.state === 'complete' || r.state === 'interrupted') && r.audio !== null)
      .map((r) => ({ value: `recording:${r.id}`, label: `${r.stream} · ${when(r.startedAt)} (${formatLength(r.durationSec)})`, title: `${r.stream} · ${when(r.startedAt)}` })),
  };
}

/** A source choice as the create call's field. */
export function sourceInput(value: string): { videoId: string } | { recordingId: string } | null {
  const [kind, id] = [value.slice(0, value.indexOf(':')), value.slice(value.indexOf(':') + 1)];
  if (!id) return null;
  return kind === 'video' ? { videoId: id } : kind === 'recording' ? { recordingId: id } : null;
}
