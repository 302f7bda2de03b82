#!/usr/bin/env node
// A tus client in its own process (tus-js-client, as a creator's tool would run it), so that a test
// can SIGKILL it mid-upload and start it again. Resumes what its URL storage file remembers.
// Usage: node tus-client.mjs <endpoint> <file> <url-storage-file> [parallel=1] [chunkBytes=5MiB]
// Env TUS_TOKEN: the API token. Prints one JSON line per event: {"resumed":n}, {"progress":0..1},
// {"done":"<upload url>","ms":n} or {"error":"..."} (exit 1).
import fs from 'node:fs';
import { FileUrlStorage, Upload } from 'tus-js-client';

const [endpoint, file, storage, parallel = '1', chunk = String(5 * 1024 * 1024)] = process.argv.slice(2);
if (!endpoint || !file || !storage) {
  console.error('usage: tus-client.mjs <endpoint> <file> <url-storage-file> [parallel] [chunkBytes]');
  process.exit(2);
}
const say = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
const started = performance.now();
let lastTenth = -1;

const upload = new Upload(fs.createReadStream(file), {
  endpoint,
  chunkSize: Number(chunk),
  parallelUploads: Number(parallel),
  headers: { Authorization: `Bearer ${process.env.TUS_TOKEN ?? ''}` },
  metadata: { filename: file.split('/').pop() ?? 'upload', filetype: 'video/mp4' },
  urlStorage: new FileUrlStorage(storage),
  retryDelays: [],
  onProgress(sent, total) {
    // Hundredths: enough for a test to stop it near a given share, few lines for a 200 MB file.
    const share = Math.floor((sent / total) * 100);
    if (share !== lastTenth) say({ progress: share / 100 });
    lastTenth = share;
  },
  onError(error) {
    say({ error: String(error) });
    process.exit(1);
  },
  onSuccess() {
    say({ done: upload.url, ms: Math.round(performance.now() - started) });
  },
});

const previous = await upload.findPreviousUploads();
say({ resumed: previous.length });
if (previous[0]) upload.resumeFromPreviousUpload(previous[0]);
upload.start();
