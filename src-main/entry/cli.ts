import fs from 'node:fs';
import path from 'node:path';
import { STUDIO_VERSION } from '../../src-shared/version.js';
import { StudioError } from '../core/errors.js';
import { ConfigStore } from '../conf/config-store.js';
import { publicHost } from '../http/loopback.js';
import { homeLayout, resolveHome, resourcesDir } from '../platform/paths.js';
import { BACKUP_USAGE, runBackup, runRestore } from './backup-cli.js';
import { EDGE_USAGE, runEdge } from './edge.js';
import { RUNNER_USAGE, runRunner } from './runner.js';
import { RUNNER_PROVISION_USAGE, runRunnerProvision } from './runner-provision.js';
import { PROVISION_USAGE, runEdgeProvision } from './edge-provision.js';
import { exitCodeFor, HOST_USAGE, runHost } from './host.js';
import { runInputAgent } from '../remote/input-agent.js';

const USAGE = `Streams Studio ${STUDIO_VERSION}

Usage: streams <command> [options]

Commands:
  host          run the studio headless: media server, API and web UI
  edge          run an edge node (caching nginx + agent) for a studio host
  runner        run a transcoding runner that takes library jobs from a studio host
  login-link    print a new one-time sign-in URL of the host running on a home
  backup        write a studio home to one file, also while its host runs
  restore       unpack a backup into a new home
  version       print the version

${HOST_USAGE}

${EDGE_USAGE}

${RUNNER_USAGE}

${RUNNER_PROVISION_USAGE}

${PROVISION_USAGE}

${BACKUP_USAGE}`;

/** Asks the running host of a home for a fresh login link, authenticating with the home's api-token. */
async function loginLink(argv: string[]): Promise<number> {
  const homeFlag = argv[0] === '--home' ? argv[1] : undefined;
  const layout = homeLayout(resolveHome(homeFlag));
  let token: string;
  try {
    token = fs.readFileSync(layout.token, 'utf8').trim();
  } catch {
    process.stderr.write(`streams: no api-token in ${layout.root}: is a host set up on this home?\n`);
    return 2;
  }
  const { http } = ConfigStore.load(layout.config, path.join(resourcesDir(), 'config.default.yaml')).current;
  const host = publicHost(http.bind);
  const port = http.port;
  try {
    const res = await fetch(`${http.tlsCert ? 'https' : 'http'}://${host}:${port}/api/v1/auth/login-links`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const body = (await res.json()) as { url?: string; error?: { message: string } };
    if (!res.ok || !body.url) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
    process.stdout.write(`${body.url}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`streams: cannot reach the host of ${path.resolve(layout.root)} on port ${port}: ${(error as Error).message}\n`);
    return 1;
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'host':
      return runHost(rest);
    case 'edge':
      if (rest[0] === 'provision' || rest[0] === 'decommission') return runEdgeProvision(rest[0], rest.slice(1));
      return runEdge(rest);
    case 'runner':
      if (rest[0] === 'provision' || rest[0] === 'decommission') return runRunnerProvision(rest[0], rest.slice(1));
      return runRunner(rest);
    case 'login-link':
      return loginLink(rest);
    case 'backup':
      return runBackup(rest);
    case 'restore':
      return runRestore(rest);
    case 'input-agent':
      // Internal: the remote-desktop host starts one per display (JSON commands on stdin).
      return runInputAgent();
    case 'version':
    case '--version':
    case '-v':
      process.stdout.write(`${STUDIO_VERSION}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`streams: unknown command "${command}"\n\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof StudioError ? error.message : ((error as Error).stack ?? String(error));
    process.stderr.write(`streams: ${message}\n`);
    process.exit(exitCodeFor(error));
  },
);
