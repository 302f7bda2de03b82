import { GUEST_TAKE_MIME_RE, type GuestTake } from '../../src-shared/contract/guests.js';
import { httpStatusOf } from '../../src-shared/errors.js';
import { StudioError } from '../core/errors.js';
import type { GuestUploadAuth, GuestUploader, UploadStatus } from '../servers/tus/server.js';
import type { Reply } from '../servers/tus/wire.js';
import type { GuestTakeRecord, GuestTakeStore } from '../store/guest-takes.js';
import type { GuestRecord } from '../store/guests.js';
import type { GuestService } from './guest-service.js';

/** A take is numbered by the guest's page from 1; a show with more than this is not one show. */
const MAX_TAKE = 9999;
/** How far a take's start may be from the host's clock now (a page's clock estimate, a take uploaded later). */
const START_SLACK_MS = 60_000;

/** A program recording of the show, as the takes are placed on it. */
export interface ProgramSpan {
  id: string;
  /** Program date-time of its first frame (media/media-clock.ts); null before it has one. */
  startPdt: number | null;
  durationSec: number;
  /** Still being written: it reaches up to now. */
  recording: boolean;
}

/**
 * Where a take falls in each program recording it overlaps: the seconds from the recording's first
 * frame to the take's (negative when the take began first). Both are dated on the host's clock: the
 * take by the guest's page from the host's answers (when its first frame was captured), the program by
 * its media clock, which dates frames `lagMs` after they reached the host (MediaClock.lateBy): the take
 * is placed that much later, where the program shows the same moment.
 */
export function programOffsets(take: { startedAt: number; durationSec: number | null; lagMs: number }, programs: readonly ProgramSpan[], now: number): { recordingId: string; offsetSec: number }[] {
  const start = take.startedAt + take.lagMs;
  const takeEnd = take.durationSec === null ? now : start + take.durationSec * 1000;
  return programs
    .filter((p) => p.startPdt !== null)
    .filter((p) => {
      const end = p.recording ? now : p.startPdt! + p.durationSec * 1000;
      return start < end && takeEnd > p.startPdt!;
    })
    .map((p) => ({ recordingId: p.id, offsetSec: Math.round(start - p.startPdt!) / 1000 }));
}

/** The take a guest's new upload declares in its tus metadata, or why it cannot be one. */
export function takeOf(metadata: Record<string, string>, bounds: { from: number; to: number }): { take: number; startedAt: number; mimeType: string } | { problem: string } {
  const take = Number(metadata.take);
  if (!Number.isInteger(take) || take < 1 || take > MAX_TAKE) return { problem: `metadata "take": the take's number, 1 to ${MAX_TAKE}` };
  const startedAt = Number(metadata.startedAt);
  if (!Number.isFinite(startedAt) || startedAt < bounds.from || startedAt > bounds.to) return { problem: 'metadata "startedAt": when the take began, on the host\'s clock (ms), during the guest\'s link' };
  const mimeType = metadata.mimetype ?? metadata.filetype ?? '';
  if (!GUEST_TAKE_MIME_RE.test(mimeType)) return { problem: 'metadata "mimetype": a guest records video/webm or audio/webm' };
  return { take, startedAt, mimeType };
}

/** `guest:<id>`: the owner of a guest's uploads. */
const ownerOf = (guestId: string): string => `guest:${guestId}`;
const guestOfOwner = (owner: string): string | undefined => (owner.startsWith('guest:') ? owner.slice('guest:'.length) : undefined);

/** The `sub` of a JWT, read without checking it (GuestService.authenticate checks it). */
function subjectOf(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (!payload || token.split('.').length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown; act?: unknown };
    return claims.act === 'guest' && typeof claims.sub === 'string' ? claims.sub : undefined;
  } catch {
    return undefined;
  }
}

function refusal(error: unknown): Reply {
  const e = StudioError.from(error);
  return { status: httpStatusOf(e.code), error: { code: e.code, message: e.message } };
}

export interface GuestTakesDeps {
  store: GuestTakeStore;
  guests: Pick<GuestService, 'authenticate' | 'recordOf'>;
  /** The upload server (made with the library; asked lazily). */
  uploads: () => { info(id: string): Promise<UploadStatus | undefined> } | undefined;
  /** The library's video of an upload. */
  videoOf: (uploadId: string) => { id: string; durationSec: number | null } | undefined;
  /** The show's program recordings. */
  programs: (stream: string) => ProgramSpan[];
  /** How much later than they arrive the show's clock dates its frames now (MediaClock.lateBy). */
  lateBy: (stream: string) => number;
  now?: () => number;
}

/**
 * Each guest's own recording of the show (ISO), in takes: the guest's page records their camera and
 * microphone (MediaRecorder, as captured) and uploads each take over tus at GUEST_UPLOADS_PATH with
 * their link's JWT, while on the show and after (a reopened tab finishes a take the closed one began).
 * A complete take becomes a video of the library like any upload; here it is kept with who made it and
 * when its first frame was captured, so that it is placed on the show's program recordings.
 */
export class GuestTakes {
  private readonly now: () => number;

  constructor(private readonly deps: GuestTakesDeps) {
    this.now = deps.now ?? (() => Date.now());
  }

  /** The upload server's check of a guest's link (GUEST_UPLOADS_PATH). */
  uploadAuth(): GuestUploadAuth {
    return {
      authenticate: async (bearer, ip) => {
        const id = subjectOf(bearer);
        if (!id) return { status: 401, error: { code: 'JWT_INVALID', message: "send your guest link's token: Authorization: Bearer <the part of the link after #>" } };
        let record: GuestRecord;
        try {
          record = await this.deps.guests.authenticate(id, bearer, ip, { uploading: true });
        } catch (error) {
          return refusal(error);
        }
        if (record.state !== 'admitted' && record.state !== 'removed') {
          return { status: 403, error: { code: 'GUEST_NOT_ADMITTED', message: 'a guest records the show once the producer lets them on' } };
        }
        return this.uploader(record);
      },
    };
  }

  private uploader(record: GuestRecord): GuestUploader {
    return {
      owner: ownerOf(record.id),
      admit: (metadata, headers) => {
        if (headers.concat !== undefined) return { status: 400, error: { code: 'VALIDATION_FAILED', message: 'a take is one upload (no Upload-Concat)' } };
        const take = takeOf(metadata, { from: record.invitedAt - START_SLACK_MS, to: this.now() + START_SLACK_MS });
        if ('problem' in take) return { status: 400, error: { code: 'VALIDATION_FAILED', message: take.problem } };
        if (this.deps.store.byTake(record.id, take.take)) return { status: 409, error: { code: 'CONFLICT', message: `take ${take.take} is being uploaded already: resume it at its URL` } };
        return undefined;
      },
    };
  }

  /** A guest's upload was created (UploadServer.onCreated): its take is kept from now on. */
  onCreated(upload: { id: string; owner: string; metadata: Record<string, string> }): void {
    const guestId = guestOfOwner(upload.owner);
    const record = guestId ? this.deps.guests.recordOf(guestId) : undefined;
    if (!record || this.deps.store.get(upload.id)) return;
    const take = takeOf(upload.metadata, { from: -Infinity, to: Infinity });
    if ('problem' in take) return;
    const now = this.now();
    this.deps.store.insert({ uploadId: upload.id, guestId: record.id, stream: record.stream, ...take, size: null, completedAt: null, programLagMs: 0, createdAt: now, updatedAt: now });
  }

  /** The take is whole: placed with the show's clock as it ran (kept: the next run of the stream has its own). */
  onFinished(upload: { id: string; size: number }): void {
    const take = this.deps.store.get(upload.id);
    if (take) this.deps.store.complete(upload.id, upload.size, this.deps.lateBy(take.stream), this.now());
  }

  onRemoved(uploadId: string): void {
    this.deps.store.delete(uploadId);
  }

  async list(stream: string): Promise<GuestTake[]> {
    const programs = this.deps.programs(stream);
    const out: GuestTake[] = [];
    for (const t of this.deps.store.ofStream(stream)) out.push(await this.view(t, programs));
    return out;
  }

  /** The original file of a take of `stream` (for its download). */
  async fileOf(stream: string, uploadId: string): Promise<{ file: string; name: string; mimeType: string } | undefined> {
    const t = this.deps.store.get(uploadId);
    if (!t || t.stream !== stream) return undefined;
    const info = await this.deps.uploads()?.info(uploadId);
    if (!info) return undefined;
    const guest = this.deps.guests.recordOf(t.guestId);
    return { file: info.file, name: takeFileName(guest?.name ?? t.guestId, t.take, t.startedAt), mimeType: t.mimeType.split(';')[0]! };
  }

  private async view(t: GuestTakeRecord, programs: ProgramSpan[]): Promise<GuestTake> {
    const info = await this.deps.uploads()?.info(t.uploadId);
    const video = this.deps.videoOf(t.uploadId);
    const durationSec = t.completedAt !== null ? (video?.durationSec ?? null) : null;
    return {
      id: t.uploadId,
      guestId: t.guestId,
      guestName: this.deps.guests.recordOf(t.guestId)?.name ?? t.guestId,
      stream: t.stream,
      take: t.take,
      startedAt: t.startedAt,
      mimeType: t.mimeType,
      state: t.completedAt !== null ? 'complete' : 'uploading',
      uploadedBytes: info?.offset ?? t.size ?? 0,
      sizeBytes: t.size ?? info?.size ?? null,
      durationSec,
      videoId: video?.id ?? null,
      file: `/api/v1/streams/${encodeURIComponent(t.stream)}/guest-takes/${t.uploadId}/file`,
      program: programOffsets({ startedAt: t.startedAt, durationSec, lagMs: t.completedAt !== null ? t.programLagMs : this.deps.lateBy(t.stream) }, programs, this.now()),
      createdAt: t.createdAt,
      updatedAt: t.updatedAt,
    };
  }
}

/** `Ada Lovelace, take 2, 2026-11-25 19-04-05.webm`: the guest's name made safe for a file name. */
export function takeFileName(name: string, take: number, startedAt: number): string {
  const safe = name.replace(/[^\p{L}\p{N} ._-]+/gu, '').trim() || 'guest';
  const when = new Date(startedAt).toISOString().slice(0, 19).replace('T', ' ').replaceAll(':', '-');
  return `${safe}, take ${take}, ${when}.webm`;
}
