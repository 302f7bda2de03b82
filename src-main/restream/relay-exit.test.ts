import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyRelayExit } from './relay-exit.js';

// Real stderr of ffmpeg 5.1 (`-loglevel level+warning`) pushing to our RTMP and SRT servers.
const fixture = (name: string): string => fs.readFileSync(path.join(import.meta.dirname, 'fixtures', `${name}.stderr.txt`), 'utf8');
const failed = { code: 1, signal: null } as const;

describe('classifyRelayExit', () => {
  it.each([
    ['rtmp-key-refused', true, 'the server refused the stream: Stream key refused.'],
    ['srt-key-refused', true, 'the server refused the stream: Application-defined rejection reason'],
    ['rtmp-connection-refused', false, 'rtmp://127.0.0.1:40271/live/good: Connection refused'],
    ['rtmp-server-gone', false, 'Error closing file rtmp://127.0.0.1:40271/live/good: Broken pipe'],
    ['rtmp-timeout', false, 'rtmp://127.0.0.1:19350/live/sk_live_abcdef123456: Connection timed out'],
    ['rtmps-untrusted-cert', true, "the server's TLS certificate is not trusted (tls: Peer certificate failed verification): for a server with a private CA, add that CA to the PEM file named by NODE_EXTRA_CA_CERTS and restart the host"],
    ['srt-no-listener', false, /^srt:\/\/127\.0\.0\.1:\d+\?streamid=sk_wrong_key_123: Input\/output error$/],
  ] as const)('%s', (name, refused, reason) => {
    const exit = classifyRelayExit(fixture(name), failed);
    expect(exit.refused).toBe(refused);
    expect(exit.reason).toMatch(typeof reason === 'string' ? new RegExp(`^${reason.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : reason);
  });

  it('tells refusals from other server errors', () => {
    expect(classifyRelayExit('[rtmp @ 0x1] [error] Server error: Authentication failed\n', failed).refused).toBe(true);
    expect(classifyRelayExit('[rtmp @ 0x1] [error] Server error: Publishing denied\n', failed).refused).toBe(true);
    expect(classifyRelayExit('[rtmp @ 0x1] [error] Server error: This stream is already live.\n', failed)).toEqual({ refused: false, reason: 'server error: This stream is already live.' });
  });

  it('says something without stderr', () => {
    expect(classifyRelayExit('', { code: 0, signal: null }).reason).toBe('the server closed the connection');
    expect(classifyRelayExit('', { code: null, signal: 'SIGKILL' }).reason).toBe('ffmpeg was killed by SIGKILL');
    expect(classifyRelayExit('', { code: 1, signal: null }).reason).toBe('ffmpeg exited with code 1');
  });
});
