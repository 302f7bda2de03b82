import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { freePort } from './host-process.js';
import { nginxModulePath } from './peers.js';
import { waitFor } from './wait.js';

/**
 * Third-party RTMP receivers for restream tests, each a process (or server) the test owns and stops
 * by PID: nginx with libnginx-mod-rtmp, an `ffmpeg -listen 1` recorder, and a TLS endpoint (node:tls,
 * as Debian's nginx ships no stream module by default) in front of a receiver, with test certificates.
 */

/** True when something listens on 127.0.0.1:port, read from /proc/net/tcp: no probe connection (ffmpeg -listen takes one client only). */
export function listening(port: number): boolean {
  const wanted = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const table = fs.readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1);
  return table.some((line) => {
    const fields = line.trim().split(/\s+/);
    return fields[1] === wanted && fields[3] === '0A';
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null when a signal ended it). */
export async function stopChild(proc: ChildProcess, graceMs = 5000): Promise<number | null> {
  if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

export interface NginxRtmp {
  proc: ChildProcess;
  port: number;
  /** rtmp://127.0.0.1:<port>/live: publish to `<url>/<key>`, play from the same URL. */
  url: string;
  errorLog(): string;
  stop(): Promise<void>;
}

/** nginx + the rtmp module on a free loopback port with its own prefix: application `live`, live only. */
export async function startNginxRtmp(): Promise<NginxRtmp> {
  const module = nginxModulePath('ngx_rtmp_module.so');
  if (!module) throw new Error('ngx_rtmp_module.so not found (apt-get install libnginx-mod-rtmp)');
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'nginx-rtmp-'));
  // Started as root, nginx runs its workers as `nobody`: every folder they touch must be reachable.
  fs.chmodSync(prefix, 0o755);
  const port = await freePort();
  const conf = path.join(prefix, 'nginx.conf');
  const errorLog = path.join(prefix, 'error.log');
  fs.writeFileSync(
    conf,
    `load_module ${module};
worker_processes 1;
error_log ${errorLog} info;
pid ${prefix}/nginx.pid;
events { worker_connections 64; }
rtmp {
  server {
    listen 127.0.0.1:${port};
    chunk_size 4096;
    application live {
      live on;
      record off;
    }
  }
}
`,
  );
  const proc = spawn('nginx', ['-p', prefix, '-c', conf, '-e', errorLog, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const read = (): string => (fs.existsSync(errorLog) ? fs.readFileSync(errorLog, 'utf8') : '');
  const stop = async (): Promise<void> => {
    await stopChild(proc);
    fs.rmSync(prefix, { recursive: true, force: true });
  };
  try {
    await waitFor('nginx-rtmp listening', () => {
      if (proc.exitCode !== null) throw new Error(`nginx exited with ${proc.exitCode}: ${stderr}${read()}`);
      return listening(port);
    }, 10_000, 50);
  } catch (error) {
    await stop();
    throw error;
  }
  return { proc, port, url: `rtmp://127.0.0.1:${port}/live`, errorLog: read, stop };
}

export interface FfmpegListener {
  proc: ChildProcess;
  /** rtmp://127.0.0.1:<port>/live (the key is the test's choice). */
  url: string;
  file: string;
  stderr(): string;
  exited: Promise<number | null>;
}

/** `ffmpeg -listen 1` taking one RTMP publisher at app `live` and copying it to `file` (FLV); exits when the publisher leaves. */
export async function startFfmpegListener(file: string, key: string): Promise<FfmpegListener> {
  const port = await freePort();
  const url = `rtmp://127.0.0.1:${port}/live`;
  const proc = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-listen', '1', '-i', `${url}/${key}`, '-c', 'copy', '-f', 'flv', '-y', file], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  try {
    await waitFor('the ffmpeg listener listening', () => {
      if (proc.exitCode !== null) throw new Error(`ffmpeg -listen exited with ${proc.exitCode}: ${stderr}`);
      return listening(port);
    }, 10_000, 50);
  } catch (error) {
    await stopChild(proc);
    throw error;
  }
  return { proc, url, file, stderr: () => stderr, exited };
}

export interface TestCertificates {
  dir: string;
  /** The test CA (PEM): what an operator would add with NODE_EXTRA_CA_CERTS. */
  ca: string;
  /** A server certificate for 127.0.0.1 signed by the CA, and its key. */
  cert: string;
  key: string;
  /** A self-signed certificate for 127.0.0.1 that nothing trusts, and its key. */
  untrustedCert: string;
  untrustedKey: string;
}

/** A throwaway CA, a 127.0.0.1 server certificate it signed, and an untrusted self-signed one (openssl, EC P-256, 2 days). */
export function makeTestCertificates(): TestCertificates {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'test-certs-'));
  const file = (name: string): string => path.join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const run = (args: string[]): void => {
    const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8', timeout: 20_000 });
    if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr || result.error?.message}`);
  };
  fs.writeFileSync(file('server.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Streams test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  run(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext']);
  run(['req', '-x509', ...ec, '-keyout', 'rogue.key', '-out', 'rogue.pem', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
  return { dir, ca: file('ca.pem'), cert: file('server.pem'), key: file('server.key'), untrustedCert: file('rogue.pem'), untrustedKey: file('rogue.key') };
}

export interface TlsEndpoint {
  port: number;
  /** Connections whose TLS handshake completed, and those that failed (the client refused the certificate). */
  handshakes: number;
  handshakeErrors: number;
  stop(): Promise<void>;
}

/** A TLS endpoint on a free loopback port that terminates TLS and pipes each connection to 127.0.0.1:targetPort. */
export async function startTlsEndpoint(options: { cert: string; key: string; targetPort: number }): Promise<TlsEndpoint> {
  const sockets = new Set<net.Socket>();
  const endpoint = { port: 0, handshakes: 0, handshakeErrors: 0 };
  const server = tls.createServer({ cert: fs.readFileSync(options.cert), key: fs.readFileSync(options.key) }, (client) => {
    endpoint.handshakes++;
    const upstream = net.connect({ host: '127.0.0.1', port: options.targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  server.on('tlsClientError', (_error, socket) => {
    endpoint.handshakeErrors++;
    socket.destroy();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  endpoint.port = (server.address() as net.AddressInfo).port;
  return Object.assign(endpoint, {
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  });
}

export interface ProbeResult {
  streams: { codec_type: string; codec_name: string; width?: number; height?: number }[];
  durationSec: number | null;
  error?: string;
}

/**
 * ffprobe, without blocking this process (a TLS endpoint in the test must keep piping while it
 * reads): its streams and the container duration, or why it failed. Killed after `timeoutMs`.
 */
export function probeAsync(target: string, timeoutMs = 30_000): Promise<ProbeResult> {
  const proc = spawn('ffprobe', ['-v', 'error', '-rw_timeout', '10000000', '-print_format', 'json', '-show_streams', '-show_format', target], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        resolve({ streams: [], durationSec: null, error: err.trim() || `ffprobe ${signal ? `killed by ${signal}` : `exited with ${code}`} without a word` });
        return;
      }
      const json = JSON.parse(out) as { streams?: ProbeResult['streams']; format?: { duration?: string } };
      const duration = Number(json.format?.duration);
      resolve({ streams: json.streams ?? [], durationSec: Number.isFinite(duration) ? duration : null });
    });
  });
}
