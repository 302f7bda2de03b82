import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadSource } from './transfer.js';

// A runner's source download against a real HTTP server that breaks the connection part-way: it resumes
// with a Range request from what it has, and checks size and SHA-256 at the end; a source that does not
// match the lease's digest is removed and fails SOURCE_CORRUPT; a lease that ended is LEASE_LOST.
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-transfer-'));
const body = crypto.randomBytes(3 * 1024 * 1024 + 123);
const sha256 = crypto.createHash('sha256').update(body).digest('hex');
let server: http.Server;
let url = '';
const ranges: (string | undefined)[] = [];
let cutFirst = true;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.headers.authorization !== 'Bearer the-lease-secret') {
      res.writeHead(401).end();
      return;
    }
    ranges.push(req.headers.range);
    const from = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
    const part = body.subarray(from);
    res.writeHead(from > 0 ? 206 : 200, { 'content-length': part.length, ...(from > 0 ? { 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` } : {}) });
    if (cutFirst && from === 0) {
      // A third of the file, then the connection breaks.
      cutFirst = false;
      res.write(part.subarray(0, 1024 * 1024), () => setTimeout(() => res.socket?.destroy(), 50));
      return;
    }
    res.end(part);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/source`;
});
afterAll(() => {
  server.close();
  fs.rmSync(work, { recursive: true, force: true });
});

describe("a runner's source download", () => {
  it('resumes after a broken connection from the bytes it has, and checks the whole file', async () => {
    const file = path.join(work, 'a');
    await downloadSource({ url, bearer: 'the-lease-secret', file, size: body.length, sha256, signal: new AbortController().signal });
    expect(fs.readFileSync(file).equals(body)).toBe(true);
    expect(ranges[0]).toBeUndefined();
    expect(ranges[1]).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(ranges[1]!)![0])).toBeGreaterThan(0);
  });

  it('a file that does not match the digest is removed and fails SOURCE_CORRUPT', async () => {
    const file = path.join(work, 'b');
    const wrong = 'f'.repeat(64);
    await expect(downloadSource({ url, bearer: 'the-lease-secret', file, size: body.length, sha256: wrong, signal: new AbortController().signal })).rejects.toMatchObject({ code: 'SOURCE_CORRUPT' });
    expect(fs.existsSync(file)).toBe(false);
  });

  it('a lease the origin no longer serves fails LEASE_LOST at once, without retrying', async () => {
    const before = ranges.length;
    await expect(downloadSource({ url, bearer: 'an-ended-lease', file: path.join(work, 'c'), size: body.length, sha256, signal: new AbortController().signal })).rejects.toMatchObject({ code: 'LEASE_LOST' });
    expect(ranges.length).toBe(before);
  });
});
