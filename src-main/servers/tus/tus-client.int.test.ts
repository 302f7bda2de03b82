import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUploadBed, UPLOAD_TOKEN, type UploadBed } from '../../../test-support/uploads.js';
import { waitFor } from '../../../test-support/wait.js';

const CLIENT = path.resolve(import.meta.dirname, '../../../test-support/tus-client.mjs');
const SIZE = 200 * 1024 * 1024;
const CHUNK = 5 * 1024 * 1024;
const PARTS = 4;

type ClientEvent = { resumed?: number; progress?: number; done?: string; error?: string };

/** tus-js-client in a child process; `events` fills as it prints. */
function startClient(bed: UploadBed, file: string, storage: string): { child: ChildProcess; events: ClientEvent[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLIENT, bed.endpoint, file, storage, String(PARTS), String(CHUNK)], {
    env: { ...process.env, TUS_TOKEN: UPLOAD_TOKEN },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const events: ClientEvent[] = [];
  readline.createInterface({ input: child.stdout! }).on('line', (line) => events.push(JSON.parse(line) as ClientEvent));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, events, exited };
}

describe('tus-js-client in parallel chunks, killed at 60 % and resumed', () => {
  let bed: UploadBed;
  let work: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    bed = await startUploadBed();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'tus-client-'));
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await bed.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('resumes from the server offsets, re-sending at most one chunk per part, and the bytes arrive intact', async () => {
    const file = path.join(work, 'big.mp4');
    const hash = crypto.createHash('sha256');
    const fd = fs.openSync(file, 'w');
    for (let at = 0; at < SIZE; at += 8 << 20) {
      const block = crypto.randomBytes(Math.min(8 << 20, SIZE - at));
      hash.update(block);
      fs.writeSync(fd, block);
    }
    fs.closeSync(fd);
    const expected = hash.digest('hex');
    const storage = path.join(work, 'urls.json');

    const first = startClient(bed, file, storage);
    children.push(first.child);
    await waitFor('the first client at 60 %', () => first.events.some((e) => (e.progress ?? 0) >= 0.6) || first.events.find((e) => e.error), 60_000, 20);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(first.events.find((e) => e.done)).toBeUndefined();

    const remembered = JSON.parse(fs.readFileSync(storage, 'utf8')) as Record<string, { parallelUploadUrls?: string[] }>;
    const partUrls = Object.values(remembered)[0]?.parallelUploadUrls ?? [];
    expect(partUrls).toHaveLength(PARTS);
    // The server writes what it had buffered after the client died: read the offsets once they hold still.
    const keptNow = async () => {
      let sum = 0;
      for (const url of partUrls) sum += (await bed.server.info(url.split('/').pop()!))?.offset ?? 0;
      return sum;
    };
    let last = -1;
    const kept = await waitFor('the offsets to settle after the kill', async () => {
      const now = await keptNow();
      const settled = now === last ? now : undefined;
      last = now;
      return settled;
    }, 10_000, 100);
    expect(kept).toBeGreaterThanOrEqual(SIZE * 0.5);
    const sentBefore = bed.bytesReceived();

    const second = startClient(bed, file, storage);
    children.push(second.child);
    const done = await waitFor('the resumed upload to finish', () => second.events.find((e) => e.done ?? e.error), 90_000, 50);
    expect(done.error).toBeUndefined();
    expect(second.events[0]).toEqual({ resumed: 1 });
    // Resumed, not restarted: what the second run sent is what the server lacked, plus headers.
    const resent = bed.bytesReceived() - sentBefore;
    expect(resent).toBeLessThan(SIZE - kept + 256 * 1024);
    // Over both runs, at most one chunk per part was sent twice (the ones cut by the kill).
    expect(bed.bytesReceived()).toBeLessThan(SIZE + PARTS * CHUNK + 512 * 1024);

    const id = done.done!.split('/').pop()!;
    const upload = bed.finished.find((f) => f.id === id);
    expect(upload).toMatchObject({ size: SIZE, metadata: { filename: 'big.mp4' } });
    const got = crypto.createHash('sha256');
    for await (const block of fs.createReadStream(upload!.file)) got.update(block as Buffer);
    expect(got.digest('hex')).toBe(expected);
    for (const url of partUrls) expect(await bed.server.info(url.split('/').pop()!)).toBeUndefined();
  });
});
