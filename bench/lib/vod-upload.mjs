// bench/vod, part 1: upload throughput on loopback of our tus endpoint (@tus/server + file store behind
// UploadServer: owner check, disk check, JSON errors) driven by tus-js-client with 5 MB chunks, against
// a plain HTTP PUT of the same file to a tiny Node server that streams the body to disk (the
// reference). Both servers run in this process and write to the same file system; both clients run
// in a child process of their own and time themselves (start to last answer). Sides alternate, `runs`
// each, medians; the file is `mb` megabytes of random bytes. Extra lines, not judged: @tus/server with
// its file store alone (no auth, owners, limits: what our layer costs) and tus-js-client with 4
// parallel parts (concatenation extension), the final join included, and the whole file in one PATCH
// (tells the cost of 5 MB chunks, each sent after the previous one's answer, from that of tus's write path),
// and the server alone: 5 MB chunks from memory by a bare Node client, tus PATCHes vs PUTs (what is
// left of the gap is then tus-js-client's, reading the file anew for each chunk).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import readline from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { FileStore } from '@tus/file-store';
import { Server as TusServer } from '@tus/server';
import { fmt, median, ROOT } from './live.mjs';

const CHUNK = 5 * 1024 * 1024;

/** Runs a client script; resolves with its last JSON line. */
function runClient(args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let last;
    readline.createInterface({ input: child.stdout }).on('line', (line) => (last = JSON.parse(line)));
    child.once('exit', (code) => (code === 0 && last?.done ? resolve(last) : reject(new Error(`client ${path.basename(args[0])} exited ${code}: ${JSON.stringify(last)}`))));
  });
}

/** Stops listening and drops kept-alive connections (the clients have exited). */
function stopServer(server) {
  server.close();
  server.closeAllConnections();
}

/**
 * Not judged: the server's side alone. `count` chunks of 5 MB from one buffer in memory, each sent
 * after the previous one's answer over one kept-alive connection, as tus PATCHes to our endpoint and as
 * PUTs to the reference server; total milliseconds of each. What tus-js-client adds (reading the file
 * per chunk, its streams) is then the rest of the gap.
 */
async function serverAlone(bed, putUrl, count) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const body = crypto.randomBytes(CHUNK);
  const send = (url, method, headers) => new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { ...headers, 'content-length': String(CHUNK) }, agent }, (res) => {
      res.resume();
      res.once('end', () => resolve(res));
    });
    req.once('error', reject);
    req.end(body);
  });
  try {
    const auth = { authorization: `Bearer ${bed.token}`, 'tus-resumable': '1.0.0' };
    const made = await new Promise((resolve, reject) => {
      http.request(bed.endpoint, { method: 'POST', headers: { ...auth, 'upload-length': String(CHUNK * count) }, agent }, resolve).once('error', reject).end();
    });
    made.resume();
    const url = new URL(made.headers.location, bed.endpoint).href;
    let started = performance.now();
    for (let i = 0; i < count; i++) {
      const res = await send(url, 'PATCH', { ...auth, 'upload-offset': String(i * CHUNK), 'content-type': 'application/offset+octet-stream' });
      if (res.statusCode !== 204) throw new Error(`a PATCH answered ${res.statusCode}`);
    }
    const tus = performance.now() - started;
    await bed.server.delete(url.split('/').pop());
    started = performance.now();
    for (let i = 0; i < count; i++) await send(putUrl, 'PUT', {});
    return { tus, put: performance.now() - started };
  } finally {
    agent.destroy();
  }
}

/** Records goal `throughput` (MB/s, ours vs the PUT). */
export async function uploadPart({ bench, mod, work, runs, mb }) {
  const closes = [];
  try {
    const file = path.join(work, 'upload-input.mp4');
    const fd = fs.openSync(file, 'w');
    for (let i = 0; i < mb; i++) fs.writeSync(fd, crypto.randomBytes(1024 * 1024));
    fs.closeSync(fd);
    const size = mb * 1024 * 1024;

    const bed = await mod.startUploadBed({ dir: path.join(work, 'uploads') });
    closes.push(() => bed.close());
    const putDir = path.join(work, 'put');
    fs.mkdirSync(putDir);
    let putCount = 0;
    const putServer = http.createServer(async (req, res) => {
      const target = path.join(putDir, `put-${putCount++}`);
      await pipeline(req, fs.createWriteStream(target));
      res.writeHead(201).end();
      fs.rmSync(target, { force: true });
    });
    await new Promise((resolve) => putServer.listen(0, '127.0.0.1', resolve));
    closes.push(() => stopServer(putServer));
    const putUrl = `http://127.0.0.1:${putServer.address().port}/file`;

    const libraryDir = path.join(work, 'library-alone');
    const library = new TusServer({ path: '/files', datastore: new FileStore({ directory: libraryDir }) }).listen(0, '127.0.0.1');
    await new Promise((resolve) => library.once('listening', resolve));
    closes.push(() => stopServer(library));
    const tusClient = path.join(ROOT, 'test-support/tus-client.mjs');
    const libraryRun = async (run) => {
      const endpoint = `http://127.0.0.1:${library.address().port}/files`;
      const result = await runClient([tusClient, endpoint, file, path.join(work, `urls-lib-${run}.json`), '1', String(CHUNK)]);
      fs.rmSync(libraryDir, { recursive: true, force: true });
      fs.mkdirSync(libraryDir);
      return size / 1e6 / (result.ms / 1000);
    };
    const tusRun = async (parallel, run, chunk = CHUNK) => {
      const result = await runClient([tusClient, bed.endpoint, file, path.join(work, `urls-${parallel}-${chunk}-${run}.json`), String(parallel), String(chunk)], { TUS_TOKEN: mod.UPLOAD_TOKEN });
      const id = result.done.split('/').pop();
      const info = await bed.server.info(id);
      if (info?.offset !== size) throw new Error(`the tus upload ${id} holds ${info?.offset} of ${size} bytes`);
      await bed.server.delete(id);
      return size / 1e6 / (result.ms / 1000);
    };
    const putRun = async () => {
      const put = await runClient([path.join(ROOT, 'bench/lib/put-client.mjs'), putUrl, file]);
      if (put.done !== 201) throw new Error(`the PUT answered ${put.done}`);
      return size / 1e6 / (put.ms / 1000);
    };
    const ours = [];
    const reference = [];
    const parallel = [];
    const alone = [];
    const onePatch = [];
    const sides = [
      [ours, (run) => tusRun(1, run)],
      [alone, libraryRun],
      [reference, putRun],
      [parallel, (run) => tusRun(4, run)],
      [onePatch, (run) => tusRun(1, run, size)],
    ];
    for (let run = 0; run < runs; run++) {
      // Each run starts with another side: the first upload after a pause pays for a colder page cache.
      for (let k = 0; k < sides.length; k++) {
        const [figures, side] = sides[(run + k) % sides.length];
        figures.push(await side(run));
      }
      console.log(`vod upload: run ${run + 1}/${runs}: ours ${fmt(ours.at(-1), 0)} MB/s, @tus/server alone ${fmt(alone.at(-1), 0)}, PUT ${fmt(reference.at(-1), 0)}, ours 4 parts ${fmt(parallel.at(-1), 0)}, ours one PATCH ${fmt(onePatch.at(-1), 0)}`);
    }
    const server = [];
    for (let run = 0; run < runs; run++) server.push(await serverAlone({ ...bed, token: mod.UPLOAD_TOKEN }, putUrl, Math.max(1, Math.round(size / CHUNK))));
    const serverRatio = median(server.map((r) => r.put / r.tus));
    const vsPut = (xs) => fmt(median(xs) / median(reference));
    console.log(`vod upload: ${mb} MB file, medians of ${runs}: ours (tus-js-client, 5 MB chunks) ${fmt(median(ours), 0)} MB/s; plain PUT ${fmt(median(reference), 0)} MB/s`);
    console.log(`vod upload: not judged: @tus/server + file store alone ${fmt(median(alone), 0)} MB/s (ratio to PUT ${vsPut(alone)}, ours to it ${fmt(median(ours) / median(alone))}); ours with 4 parallel parts + join ${fmt(median(parallel), 0)} MB/s (ratio to PUT ${vsPut(parallel)}); ours with the whole file in one PATCH ${fmt(median(onePatch), 0)} MB/s (ratio to PUT ${vsPut(onePatch)})`);
    console.log(`vod upload: not judged: the server alone (5 MB chunks from memory, one after another, no tus-js-client): tus PATCHes at ${fmt(serverRatio)}x the speed of 5 MB PUTs (medians of ${runs}; ${server.map((r) => `${fmt(r.tus, 0)}/${fmt(r.put, 0)} ms`).join(', ')})`);
    // What any upload in 5 MB requests, each sent after the previous one's answer, pays on this machine:
    // the same bytes as 5 MB PUTs to the reference server (from memory) against its one whole-file PUT.
    const chunkedPut = (Math.max(1, Math.round(size / CHUNK)) * CHUNK) / 1e6 / (median(server.map((r) => r.put)) / 1000);
    console.log(`vod upload: not judged: 5 MB PUTs one after another ${fmt(chunkedPut, 0)} MB/s, ${fmt(chunkedPut / median(reference))}x the one PUT: the cost of a round trip per chunk, whatever the protocol`);
    bench.record('throughput', { ours: median(ours), reference: median(reference), note: `${mb} MB, ${runs} run(s)` });
    fs.rmSync(file, { force: true });
  } finally {
    for (const close of closes.reverse()) await close();
  }
}
