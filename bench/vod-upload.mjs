#!/usr/bin/env node
// bench/vod-upload: upload throughput on loopback of our tus endpoint (@tus/server + file store behind
// UploadServer: owner check, disk check, JSON errors) driven by tus-js-client with 5 MB chunks, against
// a plain HTTP PUT of the same file to a tiny Node server that streams the body to disk (the
// reference), measured in the same run. Both servers run in this process and write to the same file
// system; both clients run in a child process of their own and time themselves (start to last
// answer). Sides alternate, BENCH_RUNS each (default 3, 1 short), medians; the file is BENCH_MB
// megabytes of random bytes (default 256, 64 short). Extra lines, not judged: @tus/server with its
// file store alone (no auth, owners, limits: what our layer costs) and tus-js-client with 4 parallel
// parts (concatenation extension), the final join included, and the whole file in one PATCH (tells
// the cost of 5 MB chunks, each sent after the previous one's answer, from that of tus's write path).
// The upload server is bundled from the sources with esbuild (as scripts/build.mjs does) for this run.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FileStore } from '@tus/file-store';
import { Server as TusServer } from '@tus/server';
import { build } from 'esbuild';
import { defineBench } from './lib/report.mjs';

const bench = defineBench('vod-upload', {
  throughput: { what: 'upload throughput on loopback, tus-js-client 5 MB chunks vs one plain PUT', on: 'ratio', op: '>=', target: 0.9, unit: 'MB/s', digits: 0 },
});
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = bench.knob('BENCH_RUNS', 3, 1);
const MB = bench.knob('BENCH_MB', 256, 64);
const CHUNK = 5 * 1024 * 1024;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-vod-upload-'));
const cleanups = [() => fs.rmSync(work, { recursive: true, force: true })];
process.once('exit', () => cleanups.reverse().forEach((f) => f()));

/** Runs a client script; resolves with its last JSON line. */
function runClient(args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let last;
    readline.createInterface({ input: child.stdout }).on('line', (line) => (last = JSON.parse(line)));
    child.once('exit', (code) => (code === 0 && last?.done ? resolve(last) : reject(new Error(`client ${path.basename(args[0])} exited ${code}: ${JSON.stringify(last)}`))));
  });
}

let bed;
try {
  const bedFile = path.join(work, 'upload-bed.mjs');
  await build({
    entryPoints: [path.join(root, 'test-support/uploads.ts')],
    outfile: bedFile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    absWorkingDir: root,
    logLevel: 'warning',
  });
  // The bundle imports packages by name: resolve them from the repository.
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(work, 'node_modules'));
  const { startUploadBed, UPLOAD_TOKEN } = await import(pathToFileURL(bedFile).href);

  const file = path.join(work, 'input.mp4');
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < MB; i++) fs.writeSync(fd, crypto.randomBytes(1024 * 1024));
  fs.closeSync(fd);
  const size = MB * 1024 * 1024;

  bed = await startUploadBed({ dir: path.join(work, 'uploads') });
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
  cleanups.push(() => putServer.close());
  const putUrl = `http://127.0.0.1:${putServer.address().port}/file`;

  const libraryDir = path.join(work, 'library-alone');
  const library = new TusServer({ path: '/files', datastore: new FileStore({ directory: libraryDir }) }).listen(0, '127.0.0.1');
  await new Promise((resolve) => library.once('listening', resolve));
  cleanups.push(() => library.close());
  const libraryRun = async (run) => {
    const endpoint = `http://127.0.0.1:${library.address().port}/files`;
    const result = await runClient([path.join(root, 'test-support/tus-client.mjs'), endpoint, file, path.join(work, `urls-lib-${run}.json`), '1', String(CHUNK)]);
    fs.rmSync(libraryDir, { recursive: true, force: true });
    fs.mkdirSync(libraryDir);
    return size / 1e6 / (result.ms / 1000);
  };

  const tusRun = async (parallel, run, chunk = CHUNK) => {
    const result = await runClient([path.join(root, 'test-support/tus-client.mjs'), bed.endpoint, file, path.join(work, `urls-${parallel}-${chunk}-${run}.json`), String(parallel), String(chunk)], { TUS_TOKEN: UPLOAD_TOKEN });
    const id = result.done.split('/').pop();
    const info = await bed.server.info(id);
    if (info?.offset !== size) throw new Error(`the tus upload ${id} holds ${info?.offset} of ${size} bytes`);
    await bed.server.delete(id);
    return size / 1e6 / (result.ms / 1000);
  };
  const ours = [];
  const reference = [];
  const parallel = [];
  const alone = [];
  const onePatch = [];
  const putRun = async () => {
    const put = await runClient([path.join(root, 'bench/lib/put-client.mjs'), putUrl, file]);
    if (put.done !== 201) throw new Error(`the PUT answered ${put.done}`);
    return size / 1e6 / (put.ms / 1000);
  };
  const sides = [
    [ours, (run) => tusRun(1, run)],
    [alone, libraryRun],
    [reference, putRun],
    [parallel, (run) => tusRun(4, run)],
    [onePatch, (run) => tusRun(1, run, size)],
  ];
  for (let run = 0; run < RUNS; run++) {
    // Each run starts with another side: the first upload after a pause pays for a colder page cache.
    for (let k = 0; k < sides.length; k++) {
      const [figures, side] = sides[(run + k) % sides.length];
      figures.push(await side(run));
    }
    console.log(`vod-upload: run ${run + 1}/${RUNS}: ours ${ours.at(-1).toFixed(0)} MB/s, @tus/server alone ${alone.at(-1).toFixed(0)}, PUT ${reference.at(-1).toFixed(0)}, ours 4 parts ${parallel.at(-1).toFixed(0)}, ours one PATCH ${onePatch.at(-1).toFixed(0)}`);
  }
  const vsPut = (xs) => (median(xs) / median(reference)).toFixed(2);
  console.log(`vod-upload: ${MB} MB file, medians of ${RUNS}: ours (tus-js-client, 5 MB chunks) ${median(ours).toFixed(0)} MB/s; plain PUT ${median(reference).toFixed(0)} MB/s`);
  console.log(`vod-upload: not judged: @tus/server + file store alone ${median(alone).toFixed(0)} MB/s (ratio to PUT ${vsPut(alone)}, ours to it ${(median(ours) / median(alone)).toFixed(2)}); ours with 4 parallel parts + join ${median(parallel).toFixed(0)} MB/s (ratio to PUT ${vsPut(parallel)}); ours with the whole file in one PATCH ${median(onePatch).toFixed(0)} MB/s (ratio to PUT ${vsPut(onePatch)})`);
  bench.record('throughput', { ours: median(ours), reference: median(reference), note: `${MB} MB, ${RUNS} run(s)` });
} catch (error) {
  console.error(error);
  bench.fail(error);
}
await bed?.close();
bench.finish();
process.exit();
