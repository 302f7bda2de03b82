// The studio's show through a real host: the scenes API over HTTP with its permission, the event to
// every client, the show after a restart, export and import (a bad file changes nothing), and the
// source media route (who may upload is settled before the body is read; only real pictures and
// videos are kept).
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHost, tempHome, type HostProcess } from '../../test-support/host-process.js';
import { collectEvents, stopHostCleanly } from '../../test-support/media.js';
import { needs } from '../../test-support/peers.js';
import { waitFor } from '../../test-support/wait.js';

const color = { kind: 'color', color: '#203040' };

describe('the studio\'s scenes in a real host', () => {
  let host: HostProcess;
  const home = tempHome();

  beforeAll(async () => {
    host = await startHost({ home });
  }, 60_000);
  afterAll(async () => {
    await stopHostCleanly(host);
  });

  it('makes sources and scenes over HTTP and tells every client', async () => {
    const events = await collectEvents(host);
    try {
      const state = (await api(host, 'GET', '/api/v1/scenes')).json;
      expect(state.scenes.map((s: { name: string }) => s.name)).toEqual(['Scene 1']);
      const source = await api(host, 'POST', '/api/v1/scenes/sources', { name: 'Backdrop', settings: color });
      expect(source.status).toBe(201);
      const scene = await api(host, 'POST', '/api/v1/scenes', { name: 'Talk', layout: 'pip', items: [{ sourceId: source.json.id, x: 0, y: 0, width: 1280, height: 720 }] });
      expect(scene.status).toBe(201);
      expect(scene.json.items[0]).toMatchObject({ visible: true, opacity: 1, crop: { left: 0, top: 0, right: 0, bottom: 0 } });
      const patched = await api(host, 'PATCH', '/api/v1/scenes/studio', { programSceneId: scene.json.id, stream: 'show', transition: { kind: 'slide', durationMs: 500, stinger: null } });
      expect(patched.json).toMatchObject({ programSceneId: scene.json.id, stream: 'show', transition: { kind: 'slide' } });
      const changed = await waitFor('three scenes.changed events', () => {
        const seen = events.events.filter((e) => e.event === 'scenes.changed');
        return seen.length >= 3 ? seen : null;
      }, 5000);
      expect(changed.map((e) => e.data.what)).toEqual(['source', 'scene', 'studio']);
      expect(changed[2]!.data.state.studio.stream).toBe('show');
    } finally {
      events.close();
    }
  });

  it("a change to one setting of a strip leaves its others as they are (a patch brings no defaults)", async () => {
    const mic = (await api(host, 'POST', '/api/v1/scenes/sources', { name: 'Mic', settings: { kind: 'microphone' }, audio: { gainDb: -6 } })).json;
    expect(mic.audio).toMatchObject({ gainDb: -6, muted: false, eq: { lowDb: 0, midDb: 0, highDb: 0 } });
    const steps: [Record<string, unknown>, Record<string, unknown>][] = [
      [{ muted: true }, { gainDb: -6, muted: true }],
      [{ eq: { lowDb: 6, midDb: 0, highDb: 0 } }, { gainDb: -6, muted: true, eq: { lowDb: 6, midDb: 0, highDb: 0 } }],
      [{ gate: { enabled: true, thresholdDb: -50, holdMs: 100 } }, { gainDb: -6, muted: true, eq: { lowDb: 6 }, gate: { enabled: true, thresholdDb: -50 } }],
    ];
    for (const [audio, expected] of steps) {
      const res = await api(host, 'PATCH', `/api/v1/scenes/sources/${mic.id}`, { audio });
      expect(res.status).toBe(200);
      expect(res.json.audio).toMatchObject(expected);
    }
    await api(host, 'DELETE', `/api/v1/scenes/sources/${mic.id}`);
  });

  it('refuses bad input with a clear code and changes nothing', async () => {
    const before = (await api(host, 'GET', '/api/v1/scenes')).json;
    const missing = await api(host, 'POST', '/api/v1/scenes', { name: 'Bad', items: [{ sourceId: 'src_nonenonene', x: 0, y: 0, width: 10, height: 10 }] });
    expect([missing.status, missing.json.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const shape = await api(host, 'POST', '/api/v1/scenes/sources', { name: 'x', settings: { kind: 'color', color: 'red' } });
    expect([shape.status, shape.json.error.code, shape.json.error.details.fields[0].path]).toEqual([400, 'VALIDATION_FAILED', 'settings.color']);
    const crop = await api(host, 'PATCH', `/api/v1/scenes/${before.scenes[1].id}`, { items: [{ sourceId: before.sources[0].id, x: 0, y: 0, width: 10, height: 10, crop: { left: 0.6, top: 0, right: 0.5, bottom: 0 } }] });
    expect([crop.status, crop.json.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    for (const collection of [null, 'text', { format: 'streams-studio/scenes', version: 2 }, { ...((await api(host, 'GET', '/api/v1/scenes/export')).json), sources: [] }]) {
      const res = await api(host, 'POST', '/api/v1/scenes/import', { collection });
      expect([res.status, res.json.error.code], JSON.stringify(collection)?.slice(0, 80)).toEqual([400, 'SCENE_FILE_INVALID']);
      expect(res.json.error.message).toMatch(/nothing was changed/);
    }
    expect((await api(host, 'GET', '/api/v1/scenes')).json).toEqual(before);
  });

  it('a token without scenes:write may look but not change', async () => {
    const reader = (await api(host, 'POST', '/api/v1/tokens', { name: 'scene reader', scopes: ['scenes:read'] })).json.token as string;
    expect((await api(host, 'GET', '/api/v1/scenes', undefined, reader)).status).toBe(200);
    const refused = await api(host, 'POST', '/api/v1/scenes', { name: 'Nope' }, reader);
    expect([refused.status, refused.json.error.code, refused.json.error.details.scope]).toEqual([403, 'FORBIDDEN', 'scenes:write']);
    // The media route is refused for the same reason, before the body is read.
    const upload = await fetch(`${host.url}/api/v1/scenes/media`, { method: 'POST', headers: { authorization: `Bearer ${reader}`, 'content-type': 'image/png' }, body: Buffer.alloc(10) });
    expect(upload.status).toBe(403);
    const streamsOnly = (await api(host, 'POST', '/api/v1/tokens', { name: 'streams', scopes: ['streams:read'] })).json.token as string;
    expect((await api(host, 'GET', '/api/v1/scenes', undefined, streamsOnly)).status).toBe(403);
  });

  it.skipIf(needs('ffmpeg'))('keeps uploaded pictures and videos, and nothing else', async () => {
    const dir = fs.mkdtempSync(path.join(home, 'fixtures-'));
    const png = path.join(dir, 'a.png');
    spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'color=c=red:size=64x36', '-frames:v', '1', png]);
    const post = (body: Buffer | string, type: string, token: string | null = host.token) =>
      fetch(`${host.url}/api/v1/scenes/media`, { method: 'POST', headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': type }, body: typeof body === 'string' ? body : new Uint8Array(body) });
    const ok = await post(fs.readFileSync(png), 'image/png');
    expect(ok.status).toBe(201);
    const made = (await ok.json()) as { url: string; contentType: string; bytes: number };
    expect(made).toMatchObject({ contentType: 'image/png', bytes: fs.statSync(png).size });
    const served = await fetch(`${host.url}${made.url}`);
    expect([served.status, served.headers.get('content-type')]).toEqual([200, 'image/png']);
    expect(Buffer.from(await served.arrayBuffer()).equals(fs.readFileSync(png))).toBe(true);
    const stored = () => fs.readdirSync(path.join(home, 'studio-media')).length;
    const count = stored();
    // A text file that says it is a PNG; a type that is no picture; no credentials; too large.
    const fake = await post('this is not a picture at all', 'image/png');
    expect([fake.status, ((await fake.json()) as any).error.code]).toEqual([422, 'MEDIA_INVALID']);
    const text = await post('hello', 'text/plain');
    expect([text.status, ((await text.json()) as any).error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const anonymous = await post(fs.readFileSync(png), 'image/png', null);
    expect(anonymous.status).toBe(401);
    const huge = await post(Buffer.alloc(65 * 1024 * 1024), 'video/mp4');
    expect([huge.status, ((await huge.json()) as any).error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(stored()).toBe(count);
    expect((await fetch(`${host.url}/studio-media/..%2Fstudio.db`)).status).toBe(404);
    expect((await fetch(`${host.url}/studio-media/${'a'.repeat(24)}.png`)).status).toBe(404);
  });

  it('/studio opens the studio page', async () => {
    const res = await fetch(`${host.url}/studio`, { redirect: 'manual' });
    expect([res.status, res.headers.get('location')]).toEqual([302, '/#/studio']);
  });

  it('the show is the same after a restart', async () => {
    const before = (await api(host, 'GET', '/api/v1/scenes')).json;
    await stopHostCleanly(host);
    host = await startHost({ home });
    expect((await api(host, 'GET', '/api/v1/scenes')).json).toEqual(before);
  }, 60_000);
});
