// A child of bench/data-fanout: opens `count` WebSocket subscribers to `url` and measures each message's
// delivery delay from the `"t":<ms>` the publisher wrote into it (one machine: one wall clock). Talks
// to the parent over IPC: {ready}, then on {report}: deliveries, first/last receive times and a
// histogram of delays (0.1 ms buckets up to 10 s), which the parent merges for p50/p99.
import WebSocket from 'ws';

const [url, countText, concurrencyText = '200'] = process.argv.slice(2);
const count = Number(countText);
const concurrency = Number(concurrencyText);
const BUCKET_MS = 0.1;
const histogram = new Uint32Array(100_001);
const now = () => performance.timeOrigin + performance.now();
const T_RE = /"t":(\d+(?:\.\d+)?)/;
let deliveries = 0;
let firstAt = Infinity;
let lastAt = 0;
let closed = 0;
const sockets = [];

function onMessage(data) {
  const at = now();
  const m = T_RE.exec(typeof data === 'string' ? data : data.toString('latin1'));
  if (!m) return;
  deliveries++;
  if (at < firstAt) firstAt = at;
  lastAt = at;
  histogram[Math.min(histogram.length - 1, Math.max(0, Math.round((at - Number(m[1])) / BUCKET_MS)))]++;
}

function open() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.on('message', onMessage);
    ws.once('close', () => closed++);
  });
}

let next = 0;
async function worker() {
  while (next < count) {
    next++;
    sockets.push(await open());
  }
}
try {
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  process.send({ type: 'ready', sockets: sockets.length });
} catch (error) {
  process.send({ type: 'error', message: String(error?.message ?? error) });
}

process.on('message', (msg) => {
  if (msg.type === 'report') {
    process.send({ type: 'report', deliveries, firstAt, lastAt, closed, histogram: Array.from(histogram) });
  } else if (msg.type === 'stop') {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  }
});
