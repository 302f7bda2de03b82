import http from 'node:http';
import { EDGE_PROBE_BODY, EDGE_PROBE_PATH, type DataPlaneProbe } from '../../src-shared/contract/cdn.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';

/** One GET through nginx; resolves with the verdict, never rejects. */
function probeOnce(target: { host: string; port: number }, timeoutMs: number, now = Date.now): Promise<DataPlaneProbe> {
  const started = performance.now();
  const at = now();
  const where = `${EDGE_PROBE_PATH} on ${target.host}:${target.port}`;
  return new Promise((resolve) => {
    let settled = false;
    const done = (status: number | null, error: string | null): void => {
      if (settled) return;
      settled = true;
      resolve({ ok: error === null, status, error, at, ms: status === null ? null : Math.round(performance.now() - started) });
    };
    const req = http.get({ host: target.host, port: target.port, path: EDGE_PROBE_PATH, agent: false, timeout: timeoutMs }, (res) => {
      const status = res.statusCode ?? 0;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body = (body + chunk).slice(0, 256)));
      res.once('end', () => {
        if (status !== 200) done(status, `nginx answered ${status} for ${EDGE_PROBE_PATH}`);
        else if (body !== EDGE_PROBE_BODY) done(status, `nginx answered 200 for ${EDGE_PROBE_PATH} with an unexpected body (${JSON.stringify(body.slice(0, 40))})`);
        else done(status, null);
      });
      res.once('error', (error) => done(status, `${where}: the answer broke off (${error.message})`));
      res.once('aborted', () => done(status, `${where}: the answer broke off`));
    });
    req.once('timeout', () => {
      req.destroy();
      done(null, `${where}: no answer within ${timeoutMs} ms`);
    });
    req.once('error', (error) => done(null, `${where}: ${error.message}`));
  });
}

/**
 * The edge's check of its own data plane: every `everyMs` it fetches the origin's probe object through
 * its nginx (the viewers' path: upstream, cache lookup and store). The last verdict goes out with each
 * heartbeat; the origin keeps an edge whose probe failed, or has not yet passed, out of rotation.
 */
export class DataPlaneProber implements Service {
  readonly name = 'data-plane-probe';
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private lastOk: boolean | null = null;
  result: DataPlaneProbe | null = null;

  constructor(
    private readonly deps: { logger: Logger; target: { host: string; port: number }; everyMs: number; timeoutMs?: number },
  ) {}

  /** Probes once (so the first heartbeat carries a verdict), then every `everyMs`. */
  async start(): Promise<void> {
    await this.probe();
    this.timer = setInterval(() => void this.probe(), this.deps.everyMs);
    this.timer.unref();
  }

  async probe(): Promise<DataPlaneProbe | null> {
    if (this.running) return this.result;
    this.running = true;
    try {
      const result = await probeOnce(this.deps.target, this.deps.timeoutMs ?? Math.max(1000, Math.min(this.deps.everyMs, 5000)));
      this.result = result;
      if (result.ok !== this.lastOk) {
        if (result.ok) this.deps.logger.info({ ms: result.ms }, 'data plane answers');
        else this.deps.logger.error({ status: result.status, error: result.error }, 'data plane fails: out of rotation until it answers');
        this.lastOk = result.ok;
      }
      return result;
    } finally {
      this.running = false;
    }
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
