import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../core/bus.js';
import { silentLogger } from '../core/logger.js';
import { UploadServer, type FinishedUpload } from '../servers/tus/server.js';
import { openDatabase, type Db } from '../store/db.js';
import { SessionStore } from '../store/sessions.js';
import { AuthService } from './auth.js';
import { createHttpApp } from './http.js';

// The tus routes on the host's own app: its JSON-only body parsing and its auth hook stay out of the way.
describe('uploads mounted on the shared HTTP app', () => {
  let home: string;
  let db: Db;
  let app: FastifyInstance;
  let origin: string;
  let sessionCookie: string;
  const finished: FinishedUpload[] = [];

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'http-uploads-'));
    db = openDatabase(path.join(home, 'studio.db'));
    const sessions = new SessionStore(db);
    const auth = new AuthService('api-token-for-uploads', sessions, () => 3_600_000);
    sessionCookie = `streams_session=${sessions.create(3_600_000).token}`;
    const uploads = new UploadServer({
      dir: path.join(home, 'uploads'),
      db,
      logger: silentLogger(),
      auth,
      limits: () => ({ maxBytes: 1 << 20, minFreeBytes: 0, expiryMs: 3_600_000 }),
      onFinished: (u) => void finished.push(u),
    });
    app = await createHttpApp({
      dispatch: async () => ({ ok: false, error: { code: 'NOT_FOUND', message: 'no methods in this test' } }),
      auth,
      bus: new EventBus(),
      metrics: new Registry(),
      logger: silentLogger(),
      version: 'test',
      uptimeSec: () => 0,
      rendererDir: path.join(home, 'no-renderer'),
      plugins: [uploads.plugin()],
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    origin = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await app?.close();
    db?.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('answers 401 without credentials, and takes a session upload with an octet-stream body', async () => {
    const anonymous = await fetch(`${origin}/api/v1/uploads`, { method: 'POST', headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': '3' } });
    expect(anonymous.status).toBe(401);
    const created = await fetch(`${origin}/api/v1/uploads`, {
      method: 'POST',
      headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': '3', Cookie: sessionCookie, 'Upload-Metadata': `title ${Buffer.from('Hi').toString('base64')}` },
    });
    expect(created.status).toBe(201);
    const url = `${origin}${created.headers.get('location')}`;
    const patched = await fetch(url, {
      method: 'PATCH',
      headers: { 'Tus-Resumable': '1.0.0', 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream', Cookie: sessionCookie },
      body: Buffer.from('abc'),
    });
    expect(patched.status).toBe(204);
    expect(finished).toMatchObject([{ size: 3, metadata: { title: 'Hi' }, owner: expect.stringMatching(/^session:/) }]);
    const byToken = await fetch(url, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', Authorization: 'Bearer api-token-for-uploads' } });
    expect(byToken.headers.get('upload-offset')).toBe('3');
  });
});
