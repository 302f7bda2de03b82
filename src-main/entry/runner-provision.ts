import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { StudioError } from '../core/errors.js';
import { EdgeProvisioner, type ProvisionOutcome } from '../edge/provisioner.js';
import { packageRoot, resourcesDir } from '../platform/paths.js';
import { printStep, SSH_CLI_OPTIONS, sshTarget, waitListed } from './edge-provision.js';

export const RUNNER_PROVISION_USAGE = `Usage: streams runner provision|decommission user@host [options]

Installs (re-run: upgrades) or removes a transcoding runner on a Debian/Ubuntu server over SSH: ffmpeg
and Node from the OS packages, the runner as one file, a systemd unit (a restart loop without systemd).
  --key FILE        private key (default ~/.ssh/id_ed25519, else ~/.ssh/id_rsa)
  --ssh-port N      SSH port (default 22)
  --origin URL      how the runner reaches the studio host (required for provision)
  --token T         a host API token with runners:write (default: the api-token of --home)
  --home DIR        studio home (for the token)
  --name NAME       the runner's name in the host's list (default: the SSH host)
  --slots N         jobs at once (default: one per 2 cores of the server, at least 1)
  --root DIR        install under DIR instead of / (testing)`;

export const runnerBundleFile = (): string => path.join(packageRoot(), 'dist', 'edge', 'streams-runner.mjs');
export const runnerUnitTemplateFile = (): string => path.join(resourcesDir(), 'edge', 'streams-runner.service');

/** `streams runner provision|decommission`: runs the provisioner here, printing each step. */
export async function runRunnerProvision(kind: 'provision' | 'decommission', argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...SSH_CLI_OPTIONS,
      name: { type: 'string' },
      slots: { type: 'string' },
    },
  });
  if (values.help) {
    process.stdout.write(`${RUNNER_PROVISION_USAGE}\n`);
    return 0;
  }
  const { host, connect, token, origin } = sshTarget(kind, values, positionals, 'runner');
  const slots = values.slots === undefined ? 0 : Number(values.slots);
  if (!Number.isInteger(slots) || slots < 0 || slots > 16) throw new StudioError('CONFIG_INVALID', '--slots: expected 1..16', { field: '--slots' });
  const name = (values.name ?? host).slice(0, 100);
  const provisioner = new EdgeProvisioner({
    role: 'runner',
    connect,
    onStep: printStep,
    bundle: () => fs.readFileSync(runnerBundleFile()),
    unitTemplate: () => fs.readFileSync(runnerUnitTemplateFile(), 'utf8'),
    // Connected: listed by the host under its name.
    waitRegistered: (runnerName, timeoutMs) => waitListed<{ name: string }>(`${origin}/api/v1/runners`, token, (r) => r.name === runnerName, timeoutMs),
    root: values.root,
  });
  const outcome: ProvisionOutcome =
    kind === 'provision'
      ? await provisioner.provisionRunner({ origin: origin!, token, name, slots })
      : await provisioner.decommission();
  if (!outcome.ok) {
    process.stderr.write(`streams runner ${kind}: failed at step "${outcome.failedStep}": ${outcome.error}\n`);
    return 1;
  }
  process.stdout.write(kind === 'provision' ? `runner ${name} is connected to ${origin}\n` : 'runner removed\n');
  return 0;
}
