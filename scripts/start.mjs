#!/usr/bin/env node
// `npm start`: the Electron app where its binary and a display exist, else the headless host.
// Arguments after `npm start --` go to whichever starts (e.g. --home DIR, --port N, --headless);
// `--host` forces the headless host.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);

/** The Electron executable, read from the package's path.txt (require('electron') may try a download). */
function electronBinary() {
  try {
    const dir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const relative = fs.readFileSync(path.join(dir, 'path.txt'), 'utf8').trim();
    const bin = path.join(dir, 'dist', relative);
    return fs.existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

const hasDisplay = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
const electron = electronBinary();
let command;
let commandArgs;
const forceHost = args.includes('--host');
if (electron && hasDisplay && !forceHost) {
  command = electron;
  commandArgs = [root, ...args];
} else {
  const why = !electron ? 'the Electron binary is not installed' : !hasDisplay ? 'there is no display' : '--host was given';
  process.stderr.write(`npm start: ${why}; starting the headless host (open its URL in a browser)\n`);
  command = process.execPath;
  commandArgs = [path.join(root, 'bin', 'streams.mjs'), 'host', ...args.filter((a) => a !== '--headless' && a !== '--host')];
}

const child = spawn(command, commandArgs, { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
