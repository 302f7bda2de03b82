import { parseArgs } from 'node:util';
import { STUDIO_VERSION } from '../../src-shared/version.js';
import { StudioError } from '../core/errors.js';
import { startStudio } from './studio.js';

export const HOST_USAGE = `Usage: streams host [--home DIR] [--port N] [--bind ADDR] [--log-console] [--safe-mode]

Runs the studio without a window: the media server, the API and the web UI.
  --home DIR      studio home (config.yaml, database, logs, api-token);
                  default $STREAMS_HOME, else the OS data folder
  --port N        HTTP port for this run (default: http.port, 7070)
  --bind ADDR     listen address for this run (default: http.bind, 127.0.0.1)
  --log-console   also write the JSON log to stderr
  --safe-mode     serve the UI, the API and sign-in only: no media servers, jobs or
                  automatic starts (a host whose last 3 starts died starts so by itself)`;

export { exitCodeFor } from './exit-codes.js';

function parsePort(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new StudioError('CONFIG_INVALID', `--port: expected a port number, got "${text}"`, { field: '--port' });
  return Number(text);
}

/** `streams host`: the headless composition root. Resolves when the host has stopped. */
export async function runHost(argv: string[]): Promise<number> {
  let values: { home?: string; port?: string; bind?: string; 'log-console'?: boolean; 'safe-mode'?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        home: { type: 'string' },
        port: { type: 'string' },
        bind: { type: 'string' },
        'log-console': { type: 'boolean' },
        'safe-mode': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`streams host: ${(error as Error).message}\n${HOST_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HOST_USAGE}\n`);
    return 0;
  }

  // Signal handlers go in before anything starts: a Ctrl+C during start-up must not kill us half-way.
  let signalled: NodeJS.Signals | undefined;
  let onStopRequest: ((signal: NodeJS.Signals) => void) | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      process.stderr.write(`streams host: second ${signal}, exiting now\n`);
      process.exit(1);
    }
    signalled = signal;
    onStopRequest?.(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const studio = await startStudio({
    mode: 'host',
    home: values.home,
    port: parsePort(values.port),
    bind: values.bind,
    consoleLog: values['log-console'] ?? false,
    safeMode: values['safe-mode'] ?? false,
  });

  if (!signalled) {
    process.stdout.write(
      [
        `Streams Studio ${STUDIO_VERSION} host is running`,
        `  UI and API: ${studio.url()}`,
        `  Home:       ${studio.home}`,
        `  Sign in:    ${studio.loginUrl()}`,
        `              (one-time link, valid 10 minutes; \`streams login-link\` prints another)`,
        `  API token:  in ${studio.home}/api-token (send as Authorization: Bearer <token>)`,
        `  Stop:       Ctrl+C`,
        ...(studio.safeMode ? ['', `SAFE MODE: ${studio.safeMode.reason}`, `  The log: ${studio.home}/logs/host.log`] : []),
        '',
      ].join('\n'),
    );
  }

  return new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      const force = setTimeout(() => {
        process.stderr.write('streams host: shutdown took longer than 10 s, exiting\n');
        process.exit(1);
      }, 10_000);
      force.unref();
      studio.stop(signal).then(
        () => {
          clearTimeout(force);
          resolve(0);
        },
        (error: unknown) => {
          process.stderr.write(`streams host: error while stopping: ${(error as Error).message}\n`);
          resolve(1);
        },
      );
    };
    if (signalled) stop(signalled);
    else onStopRequest = stop;
  });
}
