import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, cleanEnv, freePort, runStreams, startHost, STREAMS_BIN, tempHome, type HostProcess } from '../../test-support/host-process.js';
import { listening } from '../../test-support/receivers.js';
import { waitFor } from '../../test-support/wait.js';

/** `streams host` killed (SIGKILL) while it starts, once its start record counts attempt `n`. */
async function killWhileStarting(home: string, env: NodeJS.ProcessEnv, n: number): Promise<string> {
  const proc = spawn(process.execPath, [STREAMS_BIN, 'host', '--home', home, '--port', String(await freePort())], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const file = path.join(home, 'starting.json');
  try {
    // Killed before it says it runs: the record says this attempt, and a phase before "running".
    const record = await waitFor(`start ${n} recorded`, () => {
      try {
        const r = JSON.parse(fs.readFileSync(file, 'utf8')) as { attempts: number; phase: string };
        return r.attempts === n && r.phase.startsWith('service:') ? r : undefined;
      } catch {
        return undefined;
      }
    }, 30_000, 5);
    proc.kill('SIGKILL');
    await new Promise((resolve) => proc.once('exit', resolve));
    expect(stdout).not.toContain('host is running');
    // The phase it was killed in is the one it recorded last: the start may have gone on between the
    // read above and the kill (under load it did, from one service to the next).
    const last = JSON.parse(fs.readFileSync(file, 'utf8')) as { attempts: number; phase: string };
    expect(last.attempts).toBe(record.attempts);
    return last.phase;
  } finally {
    proc.kill('SIGKILL');
  }
}

describe('a host killed at start three times starts in safe mode', () => {
  const homes: string[] = [];
  let host: HostProcess | undefined;
  afterAll(async () => {
    await host?.stop();
    for (const home of homes) fs.rmSync(home, { recursive: true, force: true });
  });

  it('serves the UI, the API and sign-in with the reason, no media; a clean stop makes the next start normal', { timeout: 120_000 }, async () => {
    const home = tempHome();
    homes.push(home);
    const env = cleanEnv({ STREAMS_RTMP_PORT: String(await freePort()), STREAMS_SRT_PORT: String(await freePort()), STREAMS_MQTT_PORT: String(await freePort()) });
    let phase = '';
    for (let n = 1; n <= 3; n++) phase = await killWhileStarting(home, env, n);

    host = await startHost({ home, env });
    expect(host.stdout()).toContain(`SAFE MODE: The last 3 starts did not finish: the last one was killed or crashed while starting the service ${phase.replace(/^service:/, '')}.`);
    const info = await api(host, 'GET', '/api/v1/system');
    expect(info.json.safeMode).toMatchObject({ attempts: 3, phase, error: null });
    expect((await fetch(`${host.url}/healthz`)).status).toBe(200);
    // Sign-in works: the link opens a session.
    const signIn = await fetch(host.loginUrl, { redirect: 'manual' });
    expect(signIn.status).toBeLessThan(400);
    expect(signIn.headers.get('set-cookie')).toBeTruthy();
    // Nothing listens for media.
    expect(listening(host.rtmpPort)).toBe(false);
    expect(listening(host.mqttPort)).toBe(false);

    expect(await host.stop()).toBe(0);
    expect(fs.existsSync(path.join(home, 'starting.json'))).toBe(false);
    host = await startHost({ home, env });
    expect(host.stdout()).not.toContain('SAFE MODE');
    expect((await api(host, 'GET', '/api/v1/system')).json.safeMode).toBeNull();
    await waitFor('RTMP listening again', () => listening(host!.rtmpPort), 10_000);
    expect(await host.stop()).toBe(0);
  });

  it('refusals with a clear message (a port in use) are not crashes; --safe-mode asks for it', { timeout: 60_000 }, async () => {
    const home = tempHome();
    homes.push(home);
    const blocker = net.createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      for (let n = 0; n < 3; n++) {
        const run = await runStreams(['host', '--home', home, '--port', String(port)]);
        expect(run.code, run.stdout + run.stderr).toBe(2);
        expect(run.stderr).toMatch(/port \d+ .*in use/);
      }
    } finally {
      blocker.close();
    }
    expect(fs.existsSync(path.join(home, 'starting.json'))).toBe(false);
    host = await startHost({ home });
    expect(host.stdout()).not.toContain('SAFE MODE');
    await host.stop();

    host = await startHost({ home, args: ['--safe-mode'] });
    expect(host.stdout()).toContain('SAFE MODE: Started in safe mode on request');
    expect((await api(host, 'GET', '/api/v1/system')).json.safeMode).toMatchObject({ attempts: 0, phase: 'asked' });
    expect(listening(host.rtmpPort)).toBe(false);
    await host.stop();
    host = undefined;
  });
});
