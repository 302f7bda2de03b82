#!/usr/bin/env node
// A machine provider for the autoscaler's tests (scaling.providerCommand), as a cloud's would be: a
// "machine" is a folder under --dir that the loopback sshd (--port, --user) installs into (the
// provisioner's test root). `create runner|edge <name>` prints {"id","host","port","user","root"} (an
// edge also "httpPort", a free port, and "region", the next of --regions in turn); `destroy <id>`
// removes the folder. Every call is appended to <dir>/calls.log; a file <dir>/fail makes create
// fail with its content on stderr (a provider that cannot create a machine).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from './machine.mjs';

const { values, positionals } = parseArgs({ options: { dir: { type: 'string' }, port: { type: 'string' }, user: { type: 'string' }, regions: { type: 'string' } }, allowPositionals: true });
const dir = values.dir;
fs.appendFileSync(path.join(dir, 'calls.log'), `${positionals.join(' ')}\n`);
const [action, ...rest] = positionals;
if (action === 'create') {
  const failure = path.join(dir, 'fail');
  if (fs.existsSync(failure)) {
    process.stderr.write(`${fs.readFileSync(failure, 'utf8').trim()}\n`);
    process.exit(3);
  }
  const [role, name] = rest;
  const root = path.join(dir, `machine-${name}`);
  fs.mkdirSync(root, { recursive: true });
  fs.chmodSync(root, 0o755);
  const machine = { id: name, host: '127.0.0.1', port: Number(values.port), user: values.user, root };
  if (role === 'edge') {
    const regions = (values.regions ?? '').split(',');
    const made = fs.readFileSync(path.join(dir, 'calls.log'), 'utf8').split('\n').filter((l) => l.startsWith('create edge ')).length;
    Object.assign(machine, { httpPort: await freePort(), region: regions[(made - 1) % regions.length] });
  }
  process.stdout.write(`created ${name}\n${JSON.stringify(machine)}\n`);
} else if (action === 'destroy') {
  fs.rmSync(path.join(dir, `machine-${rest[0]}`), { recursive: true, force: true });
} else {
  process.stderr.write(`unknown action ${action}\n`);
  process.exit(2);
}

