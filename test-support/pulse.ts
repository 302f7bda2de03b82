import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from './wait.js';

export interface PulseServer {
  /** The PULSE_SERVER value that reaches it. */
  server: string;
  /** Plays a sine tone into its sink until stopped. */
  playTone(hz: number): ChildProcess;
  stop(): void;
}

/**
 * A private PulseAudio daemon (its own runtime folder and socket, a null sink "studio" as the
 * default, no D-Bus), the sound server of a host session with no sound card. Stopped by PID.
 * Tests that use it gate on `needs('pulseaudio')` (test-support/peers.ts).
 */
export async function startPulse(): Promise<PulseServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-pulse-'));
  const socket = path.join(dir, 'native');
  const env = { ...process.env, XDG_RUNTIME_DIR: dir, HOME: dir };
  const daemon = spawn(
    'pulseaudio',
    ['-n', '--daemonize=no', '--exit-idle-time=-1', '--use-pid-file=no', '--disable-shm=yes', '--load=module-null-sink sink_name=studio', `--load=module-native-protocol-unix socket=${socket} auth-anonymous=1`],
    { env, stdio: 'ignore' },
  );
  const server = `unix:${socket}`;
  const players: ChildProcess[] = [];
  await waitFor('PulseAudio to answer', () => spawnSync('pactl', ['info'], { env: { ...env, PULSE_SERVER: server } }).status === 0, 10_000);
  return {
    server,
    playTone(hz) {
      const player = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', `sine=f=${hz}`, '-f', 'pulse', 'studio'], {
        env: { ...env, PULSE_SERVER: server },
        stdio: 'ignore',
      });
      players.push(player);
      return player;
    },
    stop() {
      for (const p of players) p.kill('SIGKILL');
      daemon.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
