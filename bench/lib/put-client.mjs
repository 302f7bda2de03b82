#!/usr/bin/env node
// The reference client of bench/vod (upload part): one plain HTTP PUT of a file (Node's http, streamed from
// disk), in its own process as the tus client is. Usage: node put-client.mjs <url> <file>
// Prints {"done":<status>,"ms":n}.
import fs from 'node:fs';
import http from 'node:http';
import { pipeline } from 'node:stream/promises';

const [url, file] = process.argv.slice(2);
const started = performance.now();
const req = http.request(url, { method: 'PUT', headers: { 'Content-Length': fs.statSync(file).size, 'Content-Type': 'application/octet-stream' } });
const answered = new Promise((resolve, reject) => {
  req.once('response', (res) => res.resume().once('end', () => resolve(res.statusCode)));
  req.once('error', reject);
});
await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), req);
const status = await answered;
process.stdout.write(`${JSON.stringify({ done: status, ms: Math.round(performance.now() - started) })}\n`);
