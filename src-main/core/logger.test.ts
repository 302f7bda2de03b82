import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, REDACT_PATHS, silentLogger } from './logger.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-logger-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;

function logTo(level = 'info') {
  const file = path.join(tmp, `run-${n++}`, 'logs', 'host.log');
  const logger = createLogger({ level, file });
  const lines = (): Record<string, unknown>[] =>
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, file, lines };
}

describe('createLogger', () => {
  it('creates the log folder and writes JSON lines with level, time, pid and message', () => {
    const { logger, file, lines } = logTo();
    logger.info({ port: 7070 }, 'listening');
    expect(fs.existsSync(file)).toBe(true);
    expect(lines()).toEqual([expect.objectContaining({ level: 30, pid: process.pid, port: 7070, msg: 'listening', time: expect.any(String) })]);
    expect(new Date(lines()[0]!.time as string).toISOString()).toBe(lines()[0]!.time);
  });

  it('drops lines below the level', () => {
    const { logger, lines } = logTo('warn');
    logger.info('hidden');
    logger.debug('hidden');
    logger.warn('shown');
    logger.error('shown too');
    expect(lines().map((l) => l.msg)).toEqual(['shown', 'shown too']);
  });

  it('never writes a token or an authorization header', () => {
    const { logger, file, lines } = logTo();
    logger.info({ token: 'x-SECRET-TOKEN', headers: { authorization: 'Bearer y-SECRET-BEARER' } }, 'request');
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain('x-SECRET-TOKEN');
    expect(text).not.toContain('y-SECRET-BEARER');
    expect(lines()[0]).toMatchObject({ token: '[redacted]', headers: { authorization: '[redacted]' }, msg: 'request' });
  });

  it('redacts cookies, passwords, keys and secrets at the top level and one level down, child loggers included', () => {
    const { logger, file } = logTo();
    const child = logger.child({ component: 'http' });
    child.warn(
      {
        password: 'p-SECRET-1',
        key: 'k-SECRET-2',
        secret: 's-SECRET-3',
        authorization: 'Bearer a-SECRET-4',
        req: { headers: { authorization: 'Bearer r-SECRET-5', cookie: 'streams_session=c-SECRET-6' } },
        headers: { cookie: 'streams_session=c-SECRET-7' },
        session: { token: 't-SECRET-8' },
        edge: { password: 'e-SECRET-9', key: 'e-SECRET-10', secret: 'e-SECRET-11' },
      },
      'everything',
    );
    const text = fs.readFileSync(file, 'utf8');
    expect(text.match(/SECRET-\d+/g)).toBeNull();
    expect(text).toContain('"component":"http"');
    expect(text).toContain('everything');
  });

  it('does not change the object that was logged', () => {
    const { logger } = logTo();
    const data = { token: 'keep', headers: { authorization: 'Bearer keep' } };
    logger.info(data, 'x');
    expect(data).toEqual({ token: 'keep', headers: { authorization: 'Bearer keep' } });
  });

  it('lists the documented paths', () => {
    for (const p of ['token', 'authorization', 'headers.authorization', 'headers.cookie', 'req.headers.cookie']) {
      expect(REDACT_PATHS).toContain(p);
    }
  });
});

describe('silentLogger', () => {
  it('drops everything', () => {
    const logger = silentLogger();
    expect(logger.level).toBe('silent');
    expect(() => logger.error('x')).not.toThrow();
  });
});
