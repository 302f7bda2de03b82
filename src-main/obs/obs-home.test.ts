import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { basicIni, globalIni, obsCommand, streamEncoderJson, writeObsHome } from './obs-home.js';

const o = { websocketPort: 4466, websocketPassword: 'pw-123', recordDir: '/tmp/rec' };

describe('OBS home files', () => {
  it('turns the websocket on with auth, and skips the first-run wizard', () => {
    const text = globalIni(o);
    expect(text).toContain('[General]\nFirstRun=true');
    expect(text).toMatch(/\[OBSWebSocket\][^[]*ServerEnabled=true/);
    expect(text).toContain('ServerPort=4466');
    expect(text).toContain('AuthRequired=true');
    expect(text).toContain('ServerPassword=pw-123');
  });

  it('writes 2 s keyframes in an advanced-output profile with the canvas size', () => {
    expect(JSON.parse(streamEncoderJson(o))).toMatchObject({ keyint_sec: 2, rate_control: 'CBR', bitrate: 2500 });
    const ini = basicIni({ ...o, width: 1920, height: 1080 });
    expect(ini).toContain('[Output]\nMode=Advanced');
    expect(ini).toContain('BaseCX=1920');
    expect(ini).toContain('OutputCY=1080');
  });

  it('runs OBS under xvfb-run with the port on the command line but never the password', () => {
    const cmd = obsCommand(o);
    expect(cmd.file).toBe('xvfb-run');
    expect(cmd.args.slice(0, 2)).toEqual(['-a', '-s']);
    expect(cmd.args).toContain('--multi');
    expect(cmd.args.join(' ')).toContain('--websocket_port 4466');
    expect(cmd.args.join(' ')).not.toContain('pw-123');
  });

  it('writes the files where OBS 29 reads them, global.ini private', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-home-test-'));
    try {
      const dir = writeObsHome(home, { ...o, recordDir: path.join(home, 'rec') });
      expect(fs.statSync(path.join(dir, 'global.ini')).mode & 0o077).toBe(0);
      expect(fs.existsSync(path.join(dir, 'basic', 'profiles', 'Studio', 'streamEncoder.json'))).toBe(true);
      expect(fs.existsSync(path.join(home, 'rec'))).toBe(true);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
