import fs from 'node:fs';
import path from 'node:path';

/**
 * The files OBS Studio 29 reads at start, written before it runs so that it starts without a wizard,
 * with its websocket on, and with 2 s keyframes (obs-websocket 5.1 cannot change encoder settings).
 * Pure builders plus one writer; used by the managed OBS and by the tests that drive a real OBS.
 */

export interface ObsHomeOptions {
  websocketPort: number;
  websocketPassword: string;
  width?: number;
  height?: number;
  fps?: number;
  keyframeSec?: number;
  bitrateKbps?: number;
  /** Where recordings go. */
  recordDir: string;
}

export const OBS_PROFILE = 'Studio';
export const OBS_COLLECTION = 'Studio';

function ini(sections: Record<string, Record<string, string | number | boolean>>): string {
  return Object.entries(sections)
    .map(([name, keys]) => `[${name}]\n${Object.entries(keys).map(([k, v]) => `${k}=${String(v)}`).join('\n')}\n`)
    .join('\n');
}

/** `~/.config/obs-studio/global.ini`: no first-run wizard, the websocket server on with a password. */
export function globalIni(o: ObsHomeOptions): string {
  return ini({
    General: { FirstRun: true, LastVersion: 486539266, EnableAutoUpdates: false },
    Basic: { Profile: OBS_PROFILE, ProfileDir: OBS_PROFILE, SceneCollection: OBS_COLLECTION, SceneCollectionFile: OBS_COLLECTION },
    BasicWindow: { ShowSourceIcons: false, WarnBeforeStartingStream: false, WarnBeforeStoppingStream: false, WarnBeforeStoppingRecord: false },
    OBSWebSocket: { FirstLoad: false, ServerEnabled: true, ServerPort: o.websocketPort, AlertsEnabled: false, AuthRequired: true, ServerPassword: o.websocketPassword },
  });
}

/** `basic/profiles/<name>/basic.ini`: advanced output mode (so streamEncoder.json applies), canvas size. */
export function basicIni(o: ObsHomeOptions): string {
  const width = o.width ?? 1280;
  const height = o.height ?? 720;
  return ini({
    General: { Name: OBS_PROFILE },
    Output: { Mode: 'Advanced' },
    AdvOut: { Encoder: 'obs_x264', RecEncoder: 'none', RecFilePath: o.recordDir, RecFormat: 'mkv', RecType: 'Standard' },
    SimpleOutput: { FilePath: o.recordDir },
    Video: { BaseCX: width, BaseCY: height, OutputCX: width, OutputCY: height, FPSType: 1, FPSInt: o.fps ?? 30 },
    Audio: { SampleRate: 48000, ChannelSetup: 'Stereo' },
  });
}

/** `streamEncoder.json`: CBR x264 with a keyframe every `keyframeSec` (2 s aligns with our HLS segments). */
export function streamEncoderJson(o: ObsHomeOptions): string {
  return JSON.stringify({ keyint_sec: o.keyframeSec ?? 2, rate_control: 'CBR', bitrate: o.bitrateKbps ?? 2500, preset: 'veryfast' });
}

/** Writes the files under `home` (used as OBS's HOME); returns the OBS config folder. */
export function writeObsHome(home: string, o: ObsHomeOptions): string {
  const configDir = path.join(home, '.config', 'obs-studio');
  const profileDir = path.join(configDir, 'basic', 'profiles', OBS_PROFILE);
  fs.mkdirSync(profileDir, { recursive: true });
  fs.mkdirSync(path.join(configDir, 'basic', 'scenes'), { recursive: true });
  fs.mkdirSync(o.recordDir, { recursive: true });
  fs.writeFileSync(path.join(configDir, 'global.ini'), globalIni(o), { mode: 0o600 });
  fs.writeFileSync(path.join(profileDir, 'basic.ini'), basicIni(o));
  fs.writeFileSync(path.join(profileDir, 'streamEncoder.json'), streamEncoderJson(o));
  return configDir;
}

/**
 * The command that runs OBS under a virtual display (`xvfb-run -a`), its websocket on `port`. The
 * password stays in global.ini (mode 0600), off the command line that `ps` shows to every user.
 */
export function obsCommand(o: { websocketPort: number; width?: number; height?: number; obsPath?: string }): { file: string; args: string[] } {
  const screen = `${o.width ?? 1280}x${o.height ?? 720}x24`;
  return {
    file: 'xvfb-run',
    args: [
      '-a',
      '-s',
      `-screen 0 ${screen} -nolisten tcp`,
      o.obsPath ?? 'obs',
      '--multi',
      '--disable-updater',
      '--disable-missing-files-check',
      '--profile',
      OBS_PROFILE,
      '--collection',
      OBS_COLLECTION,
      '--websocket_port',
      String(o.websocketPort),
    ],
  };
}

/** The newest OBS log under `home` (for error messages when OBS does not come up). */
export function obsLogTail(home: string, chars = 2000): string {
  const dir = path.join(home, '.config', 'obs-studio', 'logs');
  try {
    const files = fs.readdirSync(dir).sort();
    const last = files.at(-1);
    if (!last) return '';
    return fs.readFileSync(path.join(dir, last), 'utf8').slice(-chars);
  } catch {
    return '';
  }
}
