import type { RateLimitOptions } from '@fastify/rate-limit';
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { MemoryLocker, Server as TusServer } from '@tus/server';
import { API_PREFIX, SESSION_COOKIE } from '../../../src-shared/contract/index.js';
import type { Service } from '../../core/lifecycle.js';
import type { Logger } from '../../core/logger.js';
import { bearerOf } from '../../http/credentials.js';
import type { HttpPlugin } from '../../http/plugin.js';
import { statfsFreeBytes } from '../../recorder/disk.js';
import type { Db } from '../../store/db.js';
import { UploadStore, type UploadRecord } from '../../store/uploads.js';
import { receiveChecked } from './checksum.js';
import { joinParts } from './concat.js';
import { DISK_FULL, LibraryFileStore, type UploadInfo } from './file-store.js';
import { CHECKSUM_ALGORITHMS, lastSegment, parseChecksum, parseConcat, parseMetadata } from './headers.js';
import { header, send, stringMetadata, tusRequest, type Reply } from './wire.js';

export const UPLOADS_PATH = `${API_PREFIX}/uploads`;
/** A show's guests upload their own recordings here, with their link's JWT (guests/takes.ts): not under /api/v1, which is for users. */
export const GUEST_UPLOADS_PATH = '/guest-uploads';

const isUnder = (pathname: string, base: string): boolean => pathname === base || pathname.startsWith(`${base}/`);

/** Who is asking, as the API's AuthService tells it. */
/** Who uploads (auth/types Principal): the api-token file sees every upload; others their own. */
export type UploadPrincipal = { via: 'session' | 'token' | 'ipc'; tokenId?: string | null; sessionId?: string; scopes: readonly string[] };
export interface UploadAuth {
  authenticate(headers: { authorization?: string; cookie?: string }, cookieName: string): UploadPrincipal | undefined;
}

/**
 * Someone uploading with a capability that is not a user's (a show's guest, with their link's JWT):
 * they see their own uploads only, and what they may create is theirs to say (`admit`).
 */
export interface GuestUploader {
  /** Their uploads' owner, e.g. `guest:<id>`. */
  owner: string;
  /** A new upload's metadata and headers: undefined to let it be made, else the refusal. */
  admit(metadata: Record<string, string>, headers: { concat: string | undefined }): Reply | undefined;
}
export interface GuestUploadAuth {
  /** undefined: `bearer` is not such a capability; a Reply: it is, and it is refused (ended, tampered). */
  authenticate(bearer: string, ip: string): Promise<GuestUploader | Reply | undefined>;
}

export interface UploadLimits {
  maxBytes: number;
  minFreeBytes: number;
  expiryMs: number;
}

export interface FinishedUpload {
  id: string;
  owner: string;
  file: string;
  size: number;
  metadata: Record<string, string>;
}

export interface UploadServerOptions {
  /** The tus file store: `<id>` data files and `<id>.json` infos. */
  dir: string;
  db: Db;
  logger: Logger;
  auth: UploadAuth;
  limits: () => UploadLimits;
  /** A whole upload is here (not a partial one); awaited before the client's last request is answered. */
  onFinished: (upload: FinishedUpload) => void | Promise<void>;
  /** Bytes received so far, about 4 times a second while a request writes. */
  onProgress?: (id: string, offset: number, size: number | null) => void;
  /** An upload was created (not a partial one of a concatenation: its final upload is created when they are done). */
  onCreated?: (upload: { id: string; owner: string; size: number | null; metadata: Record<string, string> }) => void;
  /** An unfinished upload went: its client terminated it, or it expired. */
  onRemoved?: (id: string, why: 'terminated' | 'expired') => void | Promise<void>;
  /** For tests: the clock of sweepExpired's timer. */
  now?: () => number;
  /** Upload requests per minute (http/rate-limit.ts), checked before the request is handed to tus. */
  rateLimit?: RateLimitOptions;
  /** Guests' own recordings (src-main/guests/takes.ts), asked when no user's credential matches. */
  guests?: () => GuestUploadAuth | undefined;
}

export interface UploadStatus {
  id: string;
  owner: string;
  offset: number;
  size: number | null;
  metadata: Record<string, string>;
  finished: boolean;
  file: string;
}

/** Whose an upload is: a user's token, a signed-in session, or the api-token file (`token`, which sees every upload). */
function ownerOf(principal: UploadPrincipal): string {
  if (principal.via === 'token') return principal.tokenId ? `token:${principal.tokenId}` : 'token';
  return principal.sessionId ? `session:${principal.sessionId}` : 'token';
}

const SWEEP_EVERY_MS = 5 * 60_000;
const CHUNKS_DIR = '.chunks';
const PROGRESS_EVERY_MS = 250;

/**
 * tus 1.0 at `/api/v1/uploads`: @tus/server with its file store does creation, creation-with-upload,
 * HEAD, PATCH, termination; this class adds what the file store lacks (checksum, concatenation,
 * expiry by last touch), ownership, size and disk-space limits, and JSON error bodies. A plain PATCH
 * with a Content-Length is written by the file store without tus's handler (see writeDirect).
 */
export class UploadServer implements Service {
  readonly name = 'uploads';
  private readonly store: LibraryFileStore;
  private readonly rows: UploadStore;
  private readonly tus: TusServer;
  /** The same store at GUEST_UPLOADS_PATH (tus writes its Location from its path). */
  private readonly guestTus: TusServer;
  /** tus's lock per upload, shared with our own PATCH path: one writer per upload at a time. */
  private readonly locker = new MemoryLocker();
  private timer: NodeJS.Timeout | undefined;
  /** Partial uploads a final upload is being joined from: a second final naming one of them waits its turn (409). */
  private readonly joining = new Set<string>();

  constructor(private readonly o: UploadServerOptions) {
    this.store = new LibraryFileStore(o.dir);
    this.rows = new UploadStore(o.db);
    const tusOptions = (base: string): ConstructorParameters<typeof TusServer>[0] => ({
      path: base,
      datastore: this.store,
      relativeLocation: true,
      locker: this.locker,
      maxSize: () => o.limits().maxBytes,
      namingFunction: () => crypto.randomBytes(16).toString('hex'),
      onUploadCreate: async (req, upload) => {
        const owner = req.headers.get('x-upload-owner') ?? 'token';
        const metadata = stringMetadata(upload.metadata);
        this.rows.insert({
          id: upload.id,
          owner,
          size: upload.size ?? null,
          fileName: metadata.filename ?? null,
          title: metadata.title ?? null,
          createdAt: Date.now(),
        });
        if (req.headers.get('upload-concat') === 'partial') this.store.info.expect(upload.id, { concat: 'partial' });
        else this.o.onCreated?.({ id: upload.id, owner, size: upload.size ?? null, metadata });
        return {};
      },
      // ENOSPC can reach tus past the file store (from its own stream pipeline): still a full disk.
      onResponseError: (_req, error) => ((error as NodeJS.ErrnoException).code === 'ENOSPC' ? DISK_FULL : undefined),
      onUploadFinish: async (_req, upload) => {
        await this.finish(upload.id);
        return {};
      },
    });
    this.tus = new TusServer(tusOptions(UPLOADS_PATH));
    this.guestTus = new TusServer(tusOptions(GUEST_UPLOADS_PATH));
  }

  async start(): Promise<void> {
    // Chunks whose checksum was being verified when the host stopped: never part of an upload.
    await fsp.rm(path.join(this.o.dir, CHUNKS_DIR), { recursive: true, force: true });
    await fsp.mkdir(path.join(this.o.dir, CHUNKS_DIR), { recursive: true });
    this.timer = setInterval(() => {
      this.sweepExpired().catch((error: unknown) => this.o.logger.warn({ err: error }, 'sweeping expired uploads failed'));
    }, SWEEP_EVERY_MS);
    this.timer.unref();
  }

  dispose(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Routes on the shared app; the raw request goes to tus before Fastify parses any body. */
  plugin(): HttpPlugin {
    return (app) => {
      const bases = this.o.guests ? [UPLOADS_PATH, GUEST_UPLOADS_PATH] : [UPLOADS_PATH];
      for (const url of bases.flatMap((base) => [base, `${base}/:id`])) {
        app.route({
          method: ['POST', 'HEAD', 'PATCH', 'DELETE', 'OPTIONS', 'GET'],
          url,
          exposeHeadRoute: false,
          onRequest: [
            // Over the rate: 429 with Retry-After, before anything is read (the app's own error shape).
            ...(this.o.rateLimit && app.rateLimit ? [app.rateLimit(this.o.rateLimit)] : []),
            (req, reply, done) => {
            reply.hijack();
            this.handle(req.raw, reply.raw).catch((error: unknown) => {
              this.o.logger.error({ err: error, url: req.url }, 'upload request failed');
              if (!reply.raw.headersSent) send(req.raw, reply.raw, { status: 500, error: { message: 'internal error; see the host log' } });
              else reply.raw.destroy();
            });
            done();
          },
          ],
          handler: () => undefined,
        });
      }
    };
  }

  async info(id: string): Promise<UploadStatus | undefined> {
    const row = this.rows.get(id);
    const info = row ? await this.store.info.info(id) : undefined;
    if (!row || !info) return undefined;
    const offset = await this.offsetOf(id);
    return {
      id,
      owner: row.owner,
      offset,
      size: info.size ?? null,
      metadata: stringMetadata(info.metadata),
      finished: row.finishedAt !== null,
      file: this.store.path(id),
    };
  }

  /** The file, its info and the row. */
  async delete(id: string): Promise<void> {
    await this.store.removeQuietly(id);
    this.rows.delete(id);
  }

  /** Deletes unfinished uploads (and partials never joined) untouched for the expiry; returns their ids. */
  async sweepExpired(now = (this.o.now ?? Date.now)()): Promise<string[]> {
    const { expiryMs } = this.o.limits();
    const gone: string[] = [];
    for (const row of this.rows.list()) {
      const info = await this.store.info.info(row.id);
      if (row.finishedAt !== null && info?.concat !== 'partial') continue;
      const touched = (await fsp.stat(this.store.path(row.id)).catch(() => undefined))?.mtimeMs ?? row.createdAt;
      if (now - Math.max(touched, row.finishedAt ?? 0) <= expiryMs) continue;
      await this.delete(row.id);
      await this.o.onRemoved?.(row.id, 'expired');
      gone.push(row.id);
    }
    if (gone.length > 0) this.o.logger.info({ ids: gone }, 'expired uploads deleted');
    return gone;
  }

  /**
   * One tus request, from the raw Node request (Fastify has not read the body). Under UPLOADS_PATH a
   * user's credential (the /api/v1 hook checked it too); under GUEST_UPLOADS_PATH a guest's link.
   */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://upload.invalid');
    const base = isUnder(url.pathname, GUEST_UPLOADS_PATH) ? GUEST_UPLOADS_PATH : UPLOADS_PATH;
    const who = base === GUEST_UPLOADS_PATH ? await this.guestOf(req) : this.userOf(req);
    if ('status' in who) return send(req, res, who);
    const { owner, guest } = who;
    const id = url.pathname === base || url.pathname === `${base}/` ? undefined : lastSegment(url.pathname);
    const method = req.method ?? 'GET';
    if (id === undefined && method === 'POST' && guest) {
      const metadata = parseMetadata(header(req, 'upload-metadata'));
      const refused = metadata.ok ? guest.admit(metadata.value, { concat: header(req, 'upload-concat') }) : { status: 400, error: { message: metadata.message } };
      if (refused) return send(req, res, refused);
    }
    if (id === undefined && method === 'POST') return this.create(req, res, owner);
    if (id === undefined && method === 'OPTIONS') return void (await this.forward(req, res, owner));
    if (id === undefined || method === 'GET' || method === 'OPTIONS' || method === 'POST') {
      return send(req, res, { status: 405, error: { message: `${method} is not a tus request on ${url.pathname}` } });
    }
    const row = id === '' ? undefined : this.rows.get(id);
    if (!row || (owner !== 'token' && row.owner !== owner)) return send(req, res, { status: 404, error: { message: 'no such upload' } });
    if (method === 'PATCH') return this.patch(req, res, row);
    if (method === 'DELETE') {
      const reply = await this.forward(req, res, owner);
      if (reply === 204) {
        this.rows.delete(row.id);
        await this.o.onRemoved?.(row.id, 'terminated');
      }
      return;
    }
    await this.forward(req, res, owner, await this.store.info.info(row.id));
  }

  private userOf(req: IncomingMessage): { owner: string; guest?: undefined } | Reply {
    const principal = this.o.auth.authenticate(req.headers, SESSION_COOKIE);
    if (!principal) return { status: 401, error: { message: 'send Authorization: Bearer <api-token>, or sign in through a login link' } };
    if (!principal.scopes.includes('videos:write')) return { status: 403, error: { message: 'uploading needs the videos:write scope' } };
    return { owner: ownerOf(principal) };
  }

  private async guestOf(req: IncomingMessage): Promise<{ owner: string; guest: GuestUploader } | Reply> {
    const bearer = bearerOf(header(req, 'authorization'));
    const found = bearer ? await this.o.guests?.()?.authenticate(bearer, req.socket.remoteAddress ?? '') : undefined;
    if (!found) return { status: 401, error: { message: "send your guest link's token: Authorization: Bearer <the part of the link after #>" } };
    return 'status' in found ? found : { owner: found.owner, guest: found };
  }

  private async create(req: IncomingMessage, res: ServerResponse, owner: string): Promise<void> {
    const { maxBytes } = this.o.limits();
    const concatHeader = header(req, 'upload-concat');
    const concat = concatHeader === undefined ? undefined : parseConcat(concatHeader);
    if (concat && !concat.ok) return send(req, res, { status: 400, error: { message: concat.message } });
    if (concat?.value.kind === 'final') return this.createFinal(req, res, owner, concat.value.ids);
    const length = Number(header(req, 'upload-length') ?? '0');
    if (length > maxBytes) return send(req, res, { status: 413, error: { message: `the upload is larger than the limit of ${maxBytes} bytes (library.maxUploadMegabytes)` } });
    const full = this.diskFull(Math.max(length, Number(header(req, 'content-length') ?? '0')));
    if (full) return send(req, res, full);
    await this.forward(req, res, owner);
  }

  private async createFinal(req: IncomingMessage, res: ServerResponse, owner: string, ids: string[]): Promise<void> {
    if (new Set(ids).size !== ids.length) return send(req, res, { status: 400, error: { message: 'a partial upload is named twice in Upload-Concat' } });
    if (ids.some((partId) => this.joining.has(partId))) {
      return send(req, res, { status: 409, error: { message: 'a final upload is being made of these partial uploads already' } });
    }
    for (const partId of ids) this.joining.add(partId);
    try {
      await this.joinFinal(req, res, owner, ids);
    } finally {
      for (const partId of ids) this.joining.delete(partId);
    }
  }

  private async joinFinal(req: IncomingMessage, res: ServerResponse, owner: string, ids: string[]): Promise<void> {
    const metadata = parseMetadata(header(req, 'upload-metadata'));
    if (!metadata.ok) return send(req, res, { status: 400, error: { message: metadata.message } });
    const parts: { row: UploadRecord; size: number }[] = [];
    for (const partId of ids) {
      const row = this.rows.get(partId);
      if (!row || (owner !== 'token' && row.owner !== owner)) return send(req, res, { status: 404, error: { message: `no such partial upload ${partId}` } });
      const info = await this.store.info.info(partId);
      if (info?.concat !== 'partial') return send(req, res, { status: 400, error: { message: `upload ${partId} was not created with Upload-Concat: partial` } });
      const offset = await this.offsetOf(partId);
      if (info.size === undefined || offset !== info.size) return send(req, res, { status: 400, error: { message: `partial upload ${partId} is not finished (${offset} of ${info.size ?? '?'} bytes)` } });
      parts.push({ row, size: info.size });
    }
    const size = parts.reduce((sum, p) => sum + p.size, 0);
    if (size > this.o.limits().maxBytes) return send(req, res, { status: 413, error: { message: `the joined upload is larger than the limit of ${this.o.limits().maxBytes} bytes` } });
    // The first part is renamed into the final file, the others copied after it.
    const full = this.diskFull(size - (parts[0]?.size ?? 0));
    if (full) return send(req, res, full);
    const id = crypto.randomBytes(16).toString('hex');
    const concat = `final;${ids.map((p) => `${UPLOADS_PATH}/${p}`).join(' ')}`;
    this.rows.insert({ id, owner, size, fileName: metadata.value.filename ?? null, title: metadata.value.title ?? null, createdAt: Date.now() });
    this.store.info.expect(id, { concat });
    await this.store.create({ id, size, offset: 0, metadata: metadata.value, creation_date: new Date().toISOString() } as never);
    try {
      await joinParts(parts.map((p) => this.store.path(p.row.id)), this.store.path(id));
    } catch (error) {
      await this.delete(id);
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC') return send(req, res, { status: 507, error: { message: 'the disk filled while joining the partial uploads; they are kept' } });
      throw error;
    }
    for (const p of ids) await this.delete(p);
    await this.finish(id);
    send(req, res, { status: 201, headers: { Location: `${UPLOADS_PATH}/${id}`, 'Upload-Concat': concat, 'Upload-Offset': String(size) } });
  }

  private async patch(req: IncomingMessage, res: ServerResponse, row: UploadRecord): Promise<void> {
    const info = await this.store.info.info(row.id);
    if (info?.concat?.startsWith('final;')) return send(req, res, { status: 403, error: { message: 'a final upload is made of its partial uploads: PATCH those' } });
    const offset = await this.offsetOf(row.id);
    // Checked before the body is read: a duplicate of an old chunk costs no disk and no hashing.
    if (header(req, 'upload-offset') !== String(offset)) return send(req, res, { status: 409, headers: { 'Upload-Offset': String(offset) }, error: { message: `the upload is at offset ${offset}` } });
    const size = info?.size ?? header(req, 'upload-length');
    const left = size === undefined ? this.o.limits().maxBytes - offset : Number(size) - offset;
    const full = this.diskFull(Math.min(left, Number(header(req, 'content-length') ?? left)));
    if (full) return send(req, res, full);
    const stopProgress = this.watchProgress(row.id, size === undefined ? null : Number(size));
    try {
      await this.patchChunk(req, res, row, offset, left);
    } finally {
      stopProgress();
    }
  }

  private async patchChunk(req: IncomingMessage, res: ServerResponse, row: UploadRecord, offset: number, left: number): Promise<void> {
    const checksumHeader = header(req, 'upload-checksum');
    const length = Number(header(req, 'content-length') ?? NaN);
    // Anything unusual (a deferred length, a missing header, no Content-Length) goes to tus, which answers it.
    const plain =
      length <= left &&
      header(req, 'upload-length') === undefined &&
      header(req, 'tus-resumable') === '1.0.0' &&
      header(req, 'content-type') === 'application/offset+octet-stream';
    if (checksumHeader === undefined && plain) return this.writeDirect(req, res, row, offset);
    if (checksumHeader === undefined) return void (await this.forward(req, res, row.owner));
    const checksum = parseChecksum(checksumHeader);
    if (!checksum.ok) return send(req, res, { status: 400, error: { message: checksum.message } });
    const tmp = path.join(this.o.dir, CHUNKS_DIR, `${row.id}-${crypto.randomBytes(4).toString('hex')}`);
    await fsp.mkdir(path.dirname(tmp), { recursive: true });
    const got = await receiveChecked(req, tmp, checksum.value, left);
    if (!got.ok) {
      const replies: Record<typeof got.reason, Reply> = {
        mismatch: { status: 460, error: { message: `the chunk's ${checksum.value.algorithm} differs from Upload-Checksum: it was not kept; send it again from offset ${offset}` } },
        'too-large': { status: 413, error: { message: 'the chunk goes past the upload length' } },
        'disk-full': { status: 507, error: { message: 'the disk is full: the chunk was not kept' } },
      };
      return send(req, res, replies[got.reason]);
    }
    try {
      const body = Readable.toWeb((await fsp.open(tmp)).createReadStream()) as ReadableStream;
      await this.forward(req, res, row.owner, undefined, { body, length: got.bytes });
    } finally {
      await fsp.rm(tmp, { force: true });
    }
  }

  /**
   * A plain PATCH (no checksum, a Content-Length within the upload) written by the file store straight
   * from the socket, under tus's lock: tus's handler reads the body through two web-stream
   * conversions and a proxy, which halved the throughput in bench/vod (upload part). The offset and the
   * size were checked by the caller; the offset is checked again under the lock.
   */
  private async writeDirect(req: IncomingMessage, res: ServerResponse, row: UploadRecord, offset: number): Promise<void> {
    const lock = this.locker.newLock(row.id);
    // A newer request for the same upload (a client that resumed) takes over from a stalled one.
    await lock.lock(new AbortController().signal, () => void req.destroy());
    let written: { offset: number; cut: boolean };
    try {
      const now = await this.offsetOf(row.id);
      if (now !== offset) return send(req, res, { status: 409, headers: { 'Upload-Offset': String(now) }, error: { message: `the upload is at offset ${now}` } });
      written = await this.store.append(req, row.id, offset);
    } catch (error) {
      if (error === DISK_FULL) return send(req, res, { status: 507, error: { message: DISK_FULL.body.trim() } });
      throw error;
    } finally {
      await lock.unlock();
    }
    if (written.cut) return;
    const size = (await this.store.info.info(row.id))?.size;
    const finished = written.offset === size;
    if (finished) await this.finish(row.id);
    // The file was touched just now (expiresOf without its stat and row).
    const expires = finished ? undefined : this.expiryAfter(Date.now());
    res.writeHead(204, { 'Tus-Resumable': '1.0.0', 'Upload-Offset': String(written.offset), ...(expires ? { 'Upload-Expires': expires } : {}) });
    res.end();
  }

  /** Hands the request to tus and writes its answer, with JSON error bodies and our extension headers. */
  private async forward(
    req: IncomingMessage,
    res: ServerResponse,
    owner: string,
    info?: UploadInfo,
    replaced?: { body: ReadableStream; length: number },
  ): Promise<number> {
    const method = req.method ?? 'GET';
    const tus = isUnder(new URL(req.url ?? '/', 'http://upload.invalid').pathname, GUEST_UPLOADS_PATH) ? this.guestTus : this.tus;
    const response = await tus.handleWeb(tusRequest(req, owner, replaced));
    const out: Record<string, string> = {};
    response.headers.forEach((value, name) => (out[name] = value));
    if (method === 'OPTIONS') {
      out['tus-extension'] = 'creation,creation-with-upload,creation-defer-length,termination,expiration,checksum,concatenation';
      out['tus-checksum-algorithm'] = CHECKSUM_ALGORITHMS.join(',');
    }
    if (info?.concat) out['upload-concat'] = info.concat;
    const expires = response.status < 300 ? await this.expiresOf(method === 'POST' ? lastSegment(out.location ?? '') : lastSegment(req.url ?? '')) : undefined;
    if (expires) out['upload-expires'] = expires;
    if (response.status >= 400) {
      const message = (await response.text()).trim() || `tus answered ${response.status}`;
      delete out['content-length'];
      send(req, res, { status: response.status, headers: out, error: { message } });
      return response.status;
    }
    res.writeHead(response.status, out);
    res.end(Buffer.from(await response.arrayBuffer()));
    return response.status;
  }

  private async finish(id: string): Promise<void> {
    const info = await this.store.info.info(id);
    this.rows.markFinished(id, Date.now(), info?.size ?? (await this.offsetOf(id)));
    const row = this.rows.get(id);
    if (!row || !info || info.concat === 'partial') return;
    this.o.logger.info({ id, owner: row.owner, size: info.size }, 'upload finished');
    try {
      await this.o.onFinished({ id, owner: row.owner, file: this.store.path(id), size: info.size ?? 0, metadata: stringMetadata(info.metadata) });
    } catch (error) {
      this.o.logger.error({ err: error, id }, 'a finished upload could not become a video');
    }
  }

  /**
   * Reports the offset about 4 times a second while a PATCH writes, from the file's size: tus's own
   * POST_RECEIVE hook runs a throttle on every network chunk, which showed in the upload bench.
   */
  private watchProgress(id: string, size: number | null): () => void {
    const report = this.o.onProgress;
    if (!report) return () => undefined;
    let last = -1;
    const tick = (): void => {
      void this.offsetOf(id).then((offset) => {
        if (offset !== last) report(id, offset, size);
        last = offset;
      });
    };
    const timer = setInterval(tick, PROGRESS_EVERY_MS);
    return () => {
      clearInterval(timer);
      tick();
    };
  }

  /** `Upload-Expires` of an unfinished upload: its last touch plus the expiry (see sweepExpired). */
  private async expiresOf(id: string): Promise<string | undefined> {
    const row = id ? this.rows.get(id) : undefined;
    if (!row || row.finishedAt !== null) return undefined;
    const touched = (await fsp.stat(this.store.path(id)).catch(() => undefined))?.mtimeMs ?? row.createdAt;
    return this.expiryAfter(touched);
  }

  private expiryAfter(touchedAt: number): string {
    return new Date(touchedAt + this.o.limits().expiryMs).toUTCString();
  }

  private async offsetOf(id: string): Promise<number> {
    return (await fsp.stat(this.store.path(id)).catch(() => undefined))?.size ?? 0;
  }

  private diskFull(bytes: number): Reply | undefined {
    const { minFreeBytes } = this.o.limits();
    const free = statfsFreeBytes(this.o.dir);
    if (free - bytes >= minFreeBytes) return undefined;
    return {
      status: 507,
      error: { message: `not enough disk for ${bytes} bytes: ${free} free, ${minFreeBytes} must stay free (library.minFreeMegabytes); finished uploads are kept` },
    };
  }
}
