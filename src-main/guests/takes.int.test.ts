// A guest's own recording against a real host: tus at /guest-uploads with the link's JWT. A take made
// in two sittings (a deferred length, a HEAD to resume, the length sent last) becomes a complete take of
// the show and a library video; each bad request is refused with its code and leaves nothing behind.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHost, type HostProcess } from '../../test-support/host-process.js';
import { stopHostCleanly } from '../../test-support/media.js';
import { needs } from '../../test-support/peers.js';
import { waitFor } from '../../test-support/wait.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const metadataOf = (m: Record<string, string>): string => Object.entries(m).map(([k, v]) => `${k} ${b64(v)}`).join(',');

describe.skipIf(needs('ffmpeg'))('guest takes over tus (/guest-uploads)', () => {
  let host: HostProcess;
  let guest: { id: string; token: string };

  const tus = async (path: string, method: string, token: string | null, headers: Record<string, string> = {}, body?: Buffer) => {
    const res = await fetch(`${host.url}${path}`, {
      method,
      headers: { 'Tus-Resumable': '1.0.0', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
      ...(body ? { body: new Uint8Array(body) } : {}),
    });
    const text = method === 'HEAD' ? '' : await res.text();
    return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as { error?: { code: string; message: string } }) : undefined };
  };
  const invite = async (name: string): Promise<{ id: string; token: string }> => {
    const res = await api(host, 'POST', '/api/v1/streams/iso/guests', { name });
    expect(res.status, res.text).toBe(201);
    return { id: res.json.id as string, token: (res.json.url as string).split('#')[1]! };
  };
  const join = async (g: { id: string; token: string }): Promise<void> => {
    const res = await fetch(`${host.url}/guest/${g.id}/join`, { method: 'POST', headers: { Authorization: `Bearer ${g.token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'Ada' }) });
    expect(res.status).toBe(200);
  };
  const create = (token: string, metadata: Record<string, string>, extra: Record<string, string> = {}) =>
    tus('/guest-uploads', 'POST', token, { 'Upload-Defer-Length': '1', 'Upload-Metadata': metadataOf(metadata), ...extra });
  const takeMeta = (take: number, startedAt = Date.now()) => ({ take: String(take), startedAt: String(startedAt), mimetype: 'video/webm;codecs=vp8,opus', filename: `take-${take}.webm` });

  beforeAll(async () => {
    host = await startHost();
    expect((await api(host, 'POST', '/api/v1/streams', { name: 'iso' })).status).toBe(201);
    guest = await invite('Ada');
    await join(guest);
    expect((await api(host, 'POST', `/api/v1/streams/iso/guests/${guest.id}/admit`)).status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await stopHostCleanly(host);
  });

  it('a take sent in two sittings (deferred length, resumed with HEAD) is complete, placed, and a library video', async () => {
    const startedAt = Date.now() - 5000;
    const created = await create(guest.token, takeMeta(1, startedAt));
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const url = new URL(created.headers.get('location')!, host.url).pathname;
    expect(url).toMatch(/^\/guest-uploads\/[0-9a-f]{32}$/);
    // A short WebM, as a guest's browser records (VP8 and Opus).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guest-take-'));
    const webm = path.join(dir, 'take.webm');
    const made = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=15', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '2', '-c:v', 'libvpx', '-b:v', '300k', '-c:a', 'libopus', webm]);
    expect(made.status, made.stderr?.toString()).toBe(0);
    const data = fs.readFileSync(webm);
    fs.rmSync(dir, { recursive: true, force: true });
    const half = Math.floor(data.length / 2);
    const first = await tus(url, 'PATCH', guest.token, { 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': '0' }, data.subarray(0, half));
    expect(first.status).toBe(204);
    // A new page resumes: where the host's copy ends, and no length yet.
    const head = await tus(url, 'HEAD', guest.token);
    expect(head.headers.get('upload-offset')).toBe(String(half));
    expect(head.headers.get('upload-defer-length')).toBe('1');
    const during = (await api(host, 'GET', '/api/v1/streams/iso/guest-takes')).json as { state: string; take: number; uploadedBytes: number; guestName: string }[];
    expect(during).toMatchObject([{ take: 1, state: 'uploading', uploadedBytes: half, guestName: 'Ada' }]);
    const last = await tus(url, 'PATCH', guest.token, { 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(half), 'Upload-Length': String(data.length) }, data.subarray(half));
    expect(last.status, JSON.stringify(last.json)).toBe(204);
    const takes = await waitFor('the take complete', async () => {
      const list = (await api(host, 'GET', '/api/v1/streams/iso/guest-takes')).json as { id: string; state: string; sizeBytes: number; startedAt: number; videoId: string | null; file: string }[];
      return list[0]?.state === 'complete' && list[0].videoId ? list : undefined;
    }, 10_000);
    expect(takes[0]).toMatchObject({ sizeBytes: data.length, startedAt });
    // The producer downloads it as it was sent.
    const file = await fetch(`${host.url}${takes[0]!.file}`, { headers: { Authorization: `Bearer ${host.token}` } });
    expect(file.status, await file.clone().text()).toBe(200);
    expect(file.headers.get('content-disposition')).toMatch(/Ada, take 1, .*\.webm/);
    expect(Buffer.from(await file.arrayBuffer()).equals(data)).toBe(true);
    // The library has it, probed: a 2 s video.
    const video = await waitFor('the video probed', async () => {
      const v = (await api(host, 'GET', `/api/v1/videos/${takes[0]!.videoId}`)).json as { durationSec: number | null };
      return v.durationSec ? v : undefined;
    }, 15_000);
    expect(video.durationSec).toBeCloseTo(2, 0);
    const placed = ((await api(host, 'GET', '/api/v1/streams/iso/guest-takes')).json as { durationSec: number | null }[])[0]!;
    expect(placed.durationSec).toBeCloseTo(2, 0);
  });

  it('refuses what is not a guest take with a clear code, and keeps nothing of it', async () => {
    const before = ((await api(host, 'GET', '/api/v1/streams/iso/guest-takes')).json as unknown[]).length;
    // No token, a token that is no guest link, a user's token (which belongs at /api/v1/uploads).
    expect((await create('', takeMeta(2))).status).toBe(401);
    const forged = `${b64('{"alg":"none"}')}.${Buffer.from(JSON.stringify({ act: 'guest', sub: guest.id })).toString('base64url')}.x`;
    expect((await create(forged, takeMeta(2))).json?.error?.code).toBe('JWT_INVALID');
    expect((await create(host.token, takeMeta(2))).json?.error?.code).toBe('JWT_INVALID');
    // Metadata: no take, no start, a start outside the link's life, something other than WebM.
    const { take: _take, ...noTake } = takeMeta(2);
    expect((await create(guest.token, noTake)).json?.error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('take') });
    expect((await create(guest.token, { ...takeMeta(2), startedAt: 'soon' })).json?.error?.code).toBe('VALIDATION_FAILED');
    expect((await create(guest.token, takeMeta(2, Date.now() + 86_400_000))).json?.error?.code).toBe('VALIDATION_FAILED');
    expect((await create(guest.token, { ...takeMeta(2), mimetype: 'video/mp4' })).json?.error?.code).toBe('VALIDATION_FAILED');
    // A take number the host has, a concatenation.
    expect((await create(guest.token, takeMeta(1))).json?.error?.code).toBe('CONFLICT');
    expect((await create(guest.token, takeMeta(2), { 'Upload-Concat': 'partial' })).json?.error?.code).toBe('VALIDATION_FAILED');
    // A guest still in the green room records nothing; a withdrawn link sends nothing more.
    const waiting = await invite('Bo');
    await join(waiting);
    expect((await create(waiting.token, takeMeta(1))).json?.error?.code).toBe('GUEST_NOT_ADMITTED');
    expect((await api(host, 'DELETE', `/api/v1/streams/iso/guests/${waiting.id}`)).status).toBe(200);
    const revoked = await create(waiting.token, takeMeta(1));
    expect(revoked.status).toBe(410);
    expect(revoked.json?.error?.code).toBe('GUEST_LINK_ENDED');
    expect(((await api(host, 'GET', '/api/v1/streams/iso/guest-takes')).json as unknown[]).length).toBe(before);
  });

  it("a guest taken off the show still sends their take; nobody else's uploads are theirs to see", async () => {
    const created = await create(guest.token, takeMeta(2));
    expect(created.status).toBe(201);
    const url = new URL(created.headers.get('location')!, host.url).pathname;
    expect((await api(host, 'POST', `/api/v1/streams/iso/guests/${guest.id}/remove`, { reason: 'thanks' })).status).toBe(200);
    const sent = await tus(url, 'PATCH', guest.token, { 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': '0', 'Upload-Length': '1000' }, Buffer.alloc(1000, 1));
    expect(sent.status).toBe(204);
    // Another guest's link does not reach this upload; the user API's uploads do not take a guest's link.
    const other = await invite('Cy');
    await join(other);
    expect((await api(host, 'POST', `/api/v1/streams/iso/guests/${other.id}/admit`)).status).toBe(200);
    expect((await tus(url, 'HEAD', other.token)).status).toBe(404);
    expect((await tus('/api/v1/uploads', 'POST', guest.token, { 'Upload-Length': '10' })).status).toBe(401);
    // The file route needs the show's read scope.
    const take = ((await api(host, 'GET', '/api/v1/streams/iso/guest-takes')).json as { take: number; file: string }[]).find((t) => t.take === 2)!;
    expect((await fetch(`${host.url}${take.file}`)).status).toBe(401);
    expect((await fetch(`${host.url}${take.file.replace(/[0-9a-f]{32}/, '0'.repeat(32))}`, { headers: { Authorization: `Bearer ${host.token}` } })).status).toBe(404);
  });
});
