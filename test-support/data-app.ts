import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { SESSION_COOKIE } from '../src-shared/contract/index.js';
import { CONFIG_DEFAULTS } from '../src-shared/config.js';
import { AuthService } from '../src-main/api/auth.js';
import { createHttpApp } from '../src-main/api/http.js';
import { EventBus } from '../src-main/core/bus.js';
import { silentLogger } from '../src-main/core/logger.js';
import { DataAccess } from '../src-main/data/access.js';
import { DataHub, type DataConfig } from '../src-main/data/hub.js';
import type { StreamClockPort } from '../src-main/data/types.js';
import { UrlSigner } from '../src-main/protocols/signing.js';
import type { HttpPlugin } from '../src-main/http/plugin.js';
import { dataPlugin } from '../src-main/servers/data/plugin.js';
import { openDatabase, type Db } from '../src-main/store/db.js';
import { SessionStore } from '../src-main/store/sessions.js';

/** The fake media clock of data tests: every stream is live, newest frame 5000 ms, PDT = PDT_BASE + mediaTime. */
export const PDT_BASE = 1_700_000_000_000;
export const fakeClock: StreamClockPort = {
  stamp: (_stream, mediaTime) => {
    const t = mediaTime ?? 5000;
    return { mediaTime: t, programDateTime: PDT_BASE + t };
  },
  view: () => ({ live: true, mediaTime: 5000, programDateTime: PDT_BASE + 5000, anchor: { mediaTime: 0, programDateTime: PDT_BASE } }),
};

export interface DataApp {
  app: FastifyInstance;
  origin: string;
  hub: DataHub;
  db: Db;
  token: string;
  signer: UrlSigner;
  bus: EventBus;
  config: DataConfig;
  close(): Promise<void>;
}

/**
 * The host's own HTTP app (its API auth hook and body parsing) with the data plugin mounted on a real
 * hub, a real store and a fake media clock, listening on loopback. `streams`: name -> its key and privacy.
 */
export interface DataAppParts {
  hub: DataHub;
  access: DataAccess;
  db: Db;
  bus: EventBus;
  streams: { lookup(name: string): { private: boolean } | undefined };
}

export async function startDataApp(
  streams: Record<string, { key: string; private?: boolean }>,
  config: Partial<DataConfig> = {},
  /** More plugins on the same app (the overlay), made from the app's own parts. */
  more?: (parts: DataAppParts) => HttpPlugin[],
): Promise<DataApp> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'data-app-'));
  const db = openDatabase(path.join(home, 'studio.db'));
  const token = 'api-token-for-data-tests';
  const auth = new AuthService(token, new SessionStore(db), () => 3_600_000);
  const signer = new UrlSigner({ current: 'signing-key-for-data-tests', previous: null });
  const dataConfig: DataConfig = { ...CONFIG_DEFAULTS.data, ...config };
  const logger = silentLogger();
  const hub = new DataHub({ db, clock: fakeClock, config: () => dataConfig, logger });
  hub.start();
  const access = new DataAccess({
    isStudio: (c) => auth.authenticate(c, SESSION_COOKIE) !== undefined,
    streamOfKey: (key) => Object.entries(streams).find(([, s]) => s.key === key)?.[0] ?? null,
    isPrivate: (name) => streams[name]?.private ?? (name in streams ? false : undefined),
    signatureValid: (name, query, ip) => signer.verify(name, query, ip).ok,
  });
  const bus = new EventBus();
  const lookup = (name: string): { private: boolean } | undefined => (name in streams ? { private: streams[name]!.private ?? false } : undefined);
  const app = await createHttpApp({
    dispatch: async () => ({ ok: false, error: { code: 'NOT_FOUND', message: 'no methods in this test' } }),
    auth,
    bus,
    metrics: new Registry(),
    logger,
    version: 'test',
    uptimeSec: () => 0,
    rendererDir: path.join(home, 'no-renderer'),
    plugins: [
      dataPlugin({ hub, access, config: () => dataConfig, logger, streamExists: (name) => name in streams, schemas: { has: () => false, decode: () => undefined } }),
      ...(more?.({ hub, access, db, bus, streams: { lookup } }) ?? []),
    ],
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const origin = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  return {
    app,
    origin,
    hub,
    db,
    token,
    signer,
    bus,
    config: dataConfig,
    async close() {
      await app.close();
      hub.dispose();
      db.close();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
