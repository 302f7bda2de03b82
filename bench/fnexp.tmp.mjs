import fs from 'node:fs';
import path from 'node:path';
import { startEdge, tempDir, sleep } from './lib/live.mjs';
const root = tempDir('fnexp-files-');
fs.chmodSync(root, 0o755);
fs.mkdirSync(path.join(root, 'live/demo/s/a'), { recursive: true });
fs.writeFileSync(path.join(root, 'live/demo/s/a/seg.m4s'), Buffer.alloc(200 * 1024, 7));
fs.writeFileSync(path.join(root, 'live/demo/v0.m3u8'), '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n' + Array.from({length:10},(_, i)=>`#EXTINF:2.000000,\ns/a/chunk-stream0-${100+i}.m4s`).join('\n') + '\n');
for (const d of ['live', 'live/demo', 'live/demo/s', 'live/demo/s/a']) fs.chmodSync(path.join(root, d), 0o755);
const { spawn } = await import('node:child_process');
const port = 18555;
fs.writeFileSync('/tmp/fnexp/origin.conf', `daemon off; worker_processes 1; pid /tmp/fnexp/origin.pid; error_log /tmp/fnexp/origin.err warn; events {} http { access_log off; types { application/vnd.apple.mpegurl m3u8; video/iso.segment m4s; } server { listen 127.0.0.1:${port}; root ${root}; location ~ \\.m4s$ { add_header Cache-Control "public, max-age=600, immutable"; } location ~ \\.m3u8$ { add_header Cache-Control "public, max-age=1"; } } }`);
spawn('nginx', ['-c', '/tmp/fnexp/origin.conf', '-p', '/tmp/fnexp'], { stdio: 'inherit' });
await sleep(500);
const FUNCTIONS = [
  { name: 'tag', version: 1, route: '/live/**', phase: 'request', code: "function handle(req) { return { headers: { 'X-Viewer-Region': req.headers['x-region'] || 'none' } }; }" },
  { name: 'cors', version: 1, route: '/live/**', phase: 'response', code: "function handle(req, res) { return { headers: { 'Timing-Allow-Origin': '*' } }; }" },
];
const e = await startEdge(`http://127.0.0.1:${port}`, 'tok', { functions: FUNCTIONS });
console.log(e.url, e.dir);
await sleep(1e9);
