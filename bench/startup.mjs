#!/usr/bin/env node
// bench/startup: time from launch to the first /healthz 200, and idle RSS after 5 s, for the
// headless host (cold home, then warm home) against a reference measured in the same run:
// a bare Node http server answering /healthz (the floor any Node host pays).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const IDLE_MS = 5000;

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function rssBytes(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
}

async function waitHealthy(port, started, proc) {
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`exited with ${proc.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.status === 200) return performance.now() - started;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function measure(args, env) {
  const port = await freePort();
  const started = performance.now();
  const proc = spawn(process.execPath, args(port), { env: { ...env }, stdio: 'ignore' });
  const readyMs = await waitHealthy(port, started, proc);
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const rss = rssBytes(proc.pid);
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
  return { readyMs, rss };
}

const REFERENCE = `require('http').createServer((q,s)=>{s.setHeader('content-type','application/json');s.end('{"status":"ok"}')}).listen(+process.argv[1],'127.0.0.1')`;
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('STREAMS_')));

if (!fs.existsSync(path.join(root, 'dist/main/cli.js'))) {
  console.error('bench/startup: run `npm run build` first');
  process.exit(2);
}

const results = { reference: [], cold: [], warm: [] };
for (let i = 0; i < RUNS; i++) {
  results.reference.push(await measure((port) => ['-e', REFERENCE, String(port)], env));
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-bench-'));
  const host = (port) => [path.join(root, 'bin/streams.mjs'), 'host', '--home', home, '--port', String(port)];
  results.cold.push(await measure(host, env));
  results.warm.push(await measure(host, env));
  fs.rmSync(home, { recursive: true, force: true });
}

const row = (name, xs) => {
  const ready = median(xs.map((x) => x.readyMs));
  const rss = median(xs.map((x) => x.rss)) / 1048576;
  return { name, ready, rss };
};
const ref = row('reference: bare node http', results.reference);
const rows = [ref, row('streams host, first run (new home)', results.cold), row('streams host, warm home', results.warm)];
console.log(`bench/startup: ${RUNS} runs each, medians; idle RSS read ${IDLE_MS / 1000} s after /healthz answered`);
console.log('| what | launch -> /healthz 200 | x reference | idle RSS | x reference |');
console.log('|---|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.name} | ${r.ready.toFixed(0)} ms | ${(r.ready / ref.ready).toFixed(2)} | ${r.rss.toFixed(1)} MiB | ${(r.rss / ref.rss).toFixed(2)} |`,
  );
}
