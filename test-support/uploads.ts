import fs from 'node:fs';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { silentLogger } from '../src-main/core/logger.js';
import { UploadServer, type FinishedUpload, type UploadLimits, type UploadPrincipal } from '../src-main/servers/tus/server.js';
import { openDatabase, type Db } from '../src-main/store/db.js';

export const UPLOAD_TOKEN = 'upload-test-token';

/** Sessions by cookie value: `Cookie: studio_session=<name>` is session `<name>`. */
const fakeAuth = {
  authenticate(headers: { authorization?: string; cookie?: string }, cookieName: string): UploadPrincipal | undefined {
    if (headers.authorization === `Bearer ${UPLOAD_TOKEN}`) return { via: 'token', tokenId: null, scopes: ['videos:write'] };
    const session = new RegExp(`(?:^|; *)${cookieName}=([a-z0-9-]+)`).exec(headers.cookie ?? '')?.[1];
    return session ? { via: 'session', sessionId: session, scopes: ['videos:write'] } : undefined;
  },
};

export interface UploadBed {
  /** `http://127.0.0.1:<port>/api/v1/uploads` */
  endpoint: string;
  origin: string;
  dir: string;
  db: Db;
  server: UploadServer;
  finished: FinishedUpload[];
  /** onProgress calls: [id, offset, size]. */
  progress: [string, number, number | null][];
  limits: UploadLimits;
  /** Bytes read from every client socket so far (headers included): what clients sent, re-sends too. */
  bytesReceived(): number;
  close(): Promise<void>;
}

/**
 * An UploadServer on a Fastify app listening on a free loopback port, with a real SQLite file and a
 * real upload folder (`dir`, default a new temporary one); the app speaks JSON only, as the host's does.
 */
export async function startUploadBed(o: { dir?: string; limits?: Partial<UploadLimits> } = {}): Promise<UploadBed> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'uploads-'));
  const dir = o.dir ?? path.join(home, 'uploads');
  const db = openDatabase(path.join(home, 'studio.db'));
  const limits: UploadLimits = { maxBytes: 1 << 30, minFreeBytes: 0, expiryMs: 3_600_000, ...o.limits };
  const finished: FinishedUpload[] = [];
  const progress: [string, number, number | null][] = [];
  const server = new UploadServer({
    dir,
    db,
    logger: silentLogger(),
    auth: fakeAuth,
    limits: () => limits,
    onFinished: (u) => void finished.push(u),
    onProgress: (id, offset, size) => void progress.push([id, offset, size]),
  });
  const app: FastifyInstance = Fastify({ logger: false });
  app.removeContentTypeParser('text/plain');
  await server.plugin()(app);
  const sockets = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => sockets.add(socket));
  await app.listen({ host: '127.0.0.1', port: 0 });
  await server.start();
  const origin = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  return {
    endpoint: `${origin}/api/v1/uploads`,
    origin,
    dir,
    db,
    server,
    finished,
    progress,
    limits,
    bytesReceived: () => [...sockets].reduce((sum, s) => sum + s.bytesRead, 0),
    async close() {
      server.dispose();
      await app.close();
      db.close();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
