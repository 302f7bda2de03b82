import { describe, expect, it } from 'vitest';
import { sampleRun, samplePath } from './function-check.js';

const spec = (code: string) => ({ name: 'probe', route: '/live/**', phase: 'request' as const, code });

describe('sampleRun (V8 with a time limit, before any edge sees a function)', () => {
  it('fills a route\'s wildcards for the sample request', () => {
    expect(samplePath('/live/*/index.m3u8')).toBe('/live/x/index.m3u8');
    expect(samplePath('/vod/**')).toBe('/vod/a/b');
  });

  it('refuses a function that loops on the sample request, and one that loops when loaded', () => {
    expect(() => sampleRun(spec('function handle(req) { for (;;) {} }'))).toThrow(/"probe" ran longer than 50 ms on a sample request \(GET \/live\/a\/b\)/);
    expect(() => sampleRun(spec('for (;;) {}\nfunction handle() {}'))).toThrow(/"probe" ran longer than 50 ms when it was loaded/);
  });

  it('refuses code with no handle, and lets a throw or a V8-only syntax error through to nginx\'s own run', () => {
    expect(() => sampleRun(spec('function other() {}'))).toThrow(expect.objectContaining({ code: 'FUNCTION_INVALID', message: '"probe" defines no function handle(req)' }));
    expect(() => sampleRun(spec('function handle(req) { return req.args.token.length; }'))).not.toThrow();
    expect(() => sampleRun(spec('throw new Error("at load")'))).not.toThrow();
  });

  it('passes a quick function that one run past the limit delayed (the limit is wall-clock time; a busy machine can pause a run)', () => {
    // Its first call is held past the limit, as a descheduled run would be; the next ones are quick.
    const slowOnce = 'var calls = 0;\nfunction handle(req) { if (calls++ === 0) { var t = Date.now(); while (Date.now() - t < 120) {} } }';
    expect(() => sampleRun(spec(slowOnce))).not.toThrow();
  });

  it('refuses a function that returns, but past the limit each time it is tried', () => {
    const slow = 'function handle(req) { var t = Date.now(); while (Date.now() - t < 70) {} }';
    expect(() => sampleRun(spec(slow))).toThrow(/"probe" ran longer than 50 ms on a sample request/);
    const slowLoad = 'var t = Date.now(); while (Date.now() - t < 70) {}\nfunction handle() {}';
    expect(() => sampleRun(spec(slowLoad))).toThrow(/"probe" ran longer than 50 ms when it was loaded/);
  });
});
