import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ProvisionStep } from '../../src-shared/contract/cdn.js';
import { StudioError } from '../core/errors.js';
import { defaultPublicUrl } from '../edge/provision-plan.js';
import { EdgeProvisioner, type ProvisionOutcome } from '../edge/provisioner.js';
import { SshShell } from '../edge/ssh-shell.js';
import { homeLayout, packageRoot, resolveHome, resourcesDir } from '../platform/paths.js';
import { monotonicMs } from '../core/clock.js';

export const PROVISION_USAGE = `Usage: streams edge provision|decommission user@host [options]

Installs (re-run: upgrades) or removes an edge on a Debian/Ubuntu server over SSH.
  --key FILE        private key (default ~/.ssh/id_ed25519, else ~/.ssh/id_rsa)
  --ssh-port N      SSH port (default 22)
  --origin URL      how the edge reaches the studio host (required for provision)
  --token T         the host API token (default: the api-token of --home)
  --home DIR        studio home (for the token)
  --port N          the edge's HTTP port (default 8081)
  --region LABEL    region label
  --public-url URL  how viewers reach the edge (default http://<host>:<port>)
  --cache-size S    cache limit (default 1g)
  --edge-id ID      decommission: also forget this edge on the origin
  --root DIR        install under DIR instead of / (testing)`;

/** The agent bundle that provisioning uploads (built by scripts/build.mjs) and the systemd unit template. */
export const edgeBundleFile = (): string => path.join(packageRoot(), 'dist', 'edge', 'streams-edge.mjs');
export const edgeUnitTemplateFile = (): string => path.join(resourcesDir(), 'edge', 'streams-edge.service');

function bad(field: string, message: string): never {
  throw new StudioError('CONFIG_INVALID', `${field}: ${message}`, { field });
}

/** The options `streams edge|runner provision|decommission` share: the SSH target's and the host's. */
export const SSH_CLI_OPTIONS = {
  key: { type: 'string' },
  'ssh-port': { type: 'string', default: '22' },
  origin: { type: 'string' },
  token: { type: 'string' },
  home: { type: 'string' },
  root: { type: 'string', default: '' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The SSH side of `streams edge|runner provision|decommission`: user@host, port, key, and the host's URL and token. */
export function sshTarget(
  kind: 'provision' | 'decommission',
  values: { key?: string; 'ssh-port'?: string; token?: string; home?: string; origin?: string },
  positionals: string[],
  role: 'edge' | 'runner',
): { host: string; connect: () => Promise<SshShell>; token: string; origin: string | undefined } {
  const match = /^([a-z_][a-z0-9_-]*)@([A-Za-z0-9.:_-]+)$/.exec(positionals[0] ?? '');
  if (!match || positionals.length !== 1) bad('target', 'expected user@host');
  const [, user, host] = match;
  const sshPort = Number(values['ssh-port'] ?? '22');
  if (!Number.isInteger(sshPort) || sshPort < 1 || sshPort > 65535) bad('--ssh-port', 'expected a port number');
  const keyFile = values.key ?? ['id_ed25519', 'id_rsa'].map((k) => path.join(os.homedir(), '.ssh', k)).find((f) => fs.existsSync(f));
  if (!keyFile || !fs.existsSync(keyFile)) bad('--key', `no private key ${keyFile ?? 'in ~/.ssh'}`);
  const privateKey = fs.readFileSync(keyFile);
  let token = values.token ?? '';
  if (!token) {
    try {
      token = fs.readFileSync(homeLayout(resolveHome(values.home)).token, 'utf8').trim();
    } catch {
      if (kind === 'provision') bad('--token', 'give the host API token (or --home of the host)');
    }
  }
  const origin = values.origin?.replace(/\/$/, '');
  if (kind === 'provision' && !origin) bad('--origin', `required: the URL the ${role} reaches the studio host at`);
  return { host: host!, connect: () => SshShell.connect({ host: host!, port: sshPort, username: user!, privateKey }), token, origin };
}

/** Polls a list of the host's API (every 0.5 s, at most `timeoutMs`) until an item matches; false when none did. */
export async function waitListed<T>(url: string, token: string, match: (item: T) => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = monotonicMs() + timeoutMs;
  for (;;) {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } }).catch(() => null);
    const items = res?.ok ? ((await res.json()) as T[]) : [];
    if (items.some(match)) return true;
    if (monotonicMs() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** One line per finished step ([ok  ], [skip], [FAIL] with its log). */
export function printStep(step: Omit<ProvisionStep, 'at'>): void {
  if (step.status === 'running') return;
  const mark = { done: 'ok  ', skipped: 'skip', failed: 'FAIL' }[step.status];
  process.stdout.write(`[${mark}] ${step.title}${step.message ? ` — ${step.message}` : ''}\n`);
  if (step.status === 'failed' && step.log) process.stdout.write(`${step.log.replace(/^/gm, '       ')}\n`);
}

/** `streams edge provision|decommission`: runs the provisioner here, printing each step. */
export async function runEdgeProvision(kind: 'provision' | 'decommission', argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...SSH_CLI_OPTIONS,
      port: { type: 'string', default: '8081' },
      region: { type: 'string', default: '' },
      'public-url': { type: 'string' },
      'cache-size': { type: 'string', default: '1g' },
      'edge-id': { type: 'string' },
    },
  });
  if (values.help) {
    process.stdout.write(`${PROVISION_USAGE}\n`);
    return 0;
  }
  const { host, connect, token, origin } = sshTarget(kind, values, positionals, 'edge');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) bad('--port', 'expected a port number');

  const provisioner = new EdgeProvisioner({
    connect,
    onStep: printStep,
    bundle: () => fs.readFileSync(edgeBundleFile()),
    unitTemplate: () => fs.readFileSync(edgeUnitTemplateFile(), 'utf8'),
    waitRegistered: (id, timeoutMs) => waitListed<{ id: string; healthy: boolean }>(`${origin}/api/v1/cdn/edges`, token, (e) => e.id === id && e.healthy, timeoutMs),
    root: values.root,
  });
  let outcome: ProvisionOutcome;
  if (kind === 'provision') {
    const publicUrl = values['public-url'] ?? defaultPublicUrl(host, port);
    outcome = await provisioner.provision({ origin: origin!, token, port, region: values.region, publicUrl, cacheSize: values['cache-size'] });
  } else {
    outcome = await provisioner.decommission();
    if (outcome.ok && values['edge-id'] && origin) {
      await fetch(`${origin}/api/v1/cdn/edges/${encodeURIComponent(values['edge-id'])}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } }).catch(() => null);
    }
  }
  if (!outcome.ok) {
    process.stderr.write(`streams edge ${kind}: failed at step "${outcome.failedStep}": ${outcome.error}\n`);
    return 1;
  }
  process.stdout.write(kind === 'provision' ? `edge ${outcome.edgeId} is serving\n` : 'edge removed\n');
  return 0;
}
