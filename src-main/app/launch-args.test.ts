import { describe, expect, it } from 'vitest';
import { parseLaunchArgs } from './launch-args.js';

describe('parseLaunchArgs', () => {
  it('reads our options among the switches Chromium and Playwright add', () => {
    const argv = ['--inspect=0', '--remote-debugging-port=0', '.', '--home', '/tmp/h', '--port=7171', '--headless', '--no-sandbox'];
    expect(parseLaunchArgs(argv)).toEqual({ home: '/tmp/h', port: 7171, headless: true });
  });

  it('defaults to a window and no overrides', () => {
    expect(parseLaunchArgs(['dist/main/electron.cjs'])).toEqual({ headless: false });
  });

  it('refuses a port that is not a number', () => {
    expect(() => parseLaunchArgs(['--port', 'abc'])).toThrow(/--port: expected a port number/);
  });
});
