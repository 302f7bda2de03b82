import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { STUDIO_VERSION } from '../../src-shared/version.js';
import { EventBus } from '../core/bus.js';
import { ChildRegistry, findSetpriv } from '../core/children.js';
import { StudioError } from '../core/errors.js';
import { ServiceGroup } from '../core/lifecycle.js';
import { createLogger } from '../core/logger.js';
import { MemoryProbeCache } from '../encoder/cache.js';
import { FfmpegService } from '../encoder/service.js';
import { RunnerAgent } from '../runners/agent.js';
import { VideoProcessor } from '../vod/process/index.js';

export const RUNNER_USAGE = `Usage: streams runner --origin URL --token T [options]

Runs a transcoding runner: it leases library jobs from the studio host's queue, downloads each source
(resumable, checked against its SHA-256), processes it with this machine's ffmpeg and encoders, and
uploads the outputs back over tus; the host checks every output with ffprobe before it publishes it.
  --origin URL     the studio host, e.g. http://studio.example:7070
  --token T        an API token with the runners:write scope (or $STREAMS_RUNNER_TOKEN)
  --name NAME      shown in the host's Runners list (default: this machine's host name)
  --slots N        jobs at once (default: one per 2 cores, at least 1)
  --dir DIR        work folder for sources and outputs in flight (default ~/.streams-runner)

The host refuses a runner of another release line (major.minor) or whose clock is more than 30 s
off its own, and says why; the runner then exits with code 2, as it does for a refused token.`;

function bad(field: string, message: string): never {
  throw new StudioError('CONFIG_INVALID', `${field}: ${message}`, { field });
}

/** `streams runner`: the composition root of a transcoding runner. Resolves with the exit code when stopped. */
export async function runRunner(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      origin: { type: 'string' },
      token: { type: 'string' },
      name: { type: 'string' },
      slots: { type: 'string' },
      dir: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${RUNNER_USAGE}\n`);
    return 0;
  }
  const env = process.env;
  const origin = values.origin ?? env.STREAMS_RUNNER_ORIGIN ?? bad('--origin', 'required (the studio host URL)');
  if (!/^https?:\/\/[^/\s]+/.test(origin)) bad('--origin', `expected http(s)://host:port, got "${origin}"`);
  const token = values.token ?? env.STREAMS_RUNNER_TOKEN ?? bad('--token', 'required (a host API token with the runners:write scope)');
  const given = Number(values.slots ?? env.STREAMS_RUNNER_SLOTS ?? '0');
  if (!Number.isInteger(given) || given < 0 || given > 16) bad('--slots', 'expected 1..16 (0: one per 2 cores)');
  // Each job's ffmpeg uses the cores it finds: one job per 2 cores keeps them busy without thrashing.
  const slots = given || Math.max(1, Math.floor(os.availableParallelism() / 2));
  const name = (values.name ?? env.STREAMS_RUNNER_NAME ?? os.hostname()).slice(0, 100);
  const dir = path.resolve(values.dir ?? (env.STREAMS_RUNNER_DIR || path.join(os.homedir(), '.streams-runner')));

  const logger = createLogger({ level: 'info', file: path.join(dir, 'runner.log'), console: true });
  const children = new ChildRegistry(undefined, { setpriv: findSetpriv() });
  const ffmpeg = new FfmpegService({ children, bus: new EventBus(), logger: logger.child({ service: 'ffmpeg' }), cache: new MemoryProbeCache(), timeoutMs: () => 20_000, env });
  const processor = new VideoProcessor({
    children,
    ffmpegPath: () => ffmpeg.path(),
    ffprobePath: () => ffmpeg.ffprobePath(),
    ffmpegInfo: () => ffmpeg.info(),
    logger,
  });
  let refused: { code: string; message: string } | undefined;
  let onStop: ((code: number) => void) | undefined;
  const agent = new RunnerAgent({
    origin,
    token,
    name,
    slots,
    version: STUDIO_VERSION,
    workDir: path.join(dir, 'work'),
    logger: logger.child({ service: 'runner' }),
    processor,
    live: { ffmpegPath: () => ffmpeg.path(), children },
    describe: async () => {
      const info = await ffmpeg.info();
      const encoders = info.encoders.filter((e) => e.usable && ['h264', 'hevc', 'av1', 'vp9'].includes(e.codec)).map((e) => e.name);
      return { ffmpeg: (info.version ?? 'unknown').slice(0, 200), encoders };
    },
    onRefused: (code, message) => {
      refused = { code, message };
      process.stderr.write(`streams runner: refused by the origin (${code}): ${message}\n`);
      onStop?.(2);
    },
  });
  const group = new ServiceGroup((service, error) => logger.error({ err: error, service }, 'service failed to stop'));
  await group.start([children, ffmpeg, agent]);
  process.stdout.write(`Streams runner "${name}" working for ${origin} (${slots} slot${slots === 1 ? '' : 's'}, folder ${dir})\n`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (code: number): void => {
      if (stopping) return;
      stopping = true;
      const force = setTimeout(() => process.exit(1), 10_000);
      force.unref();
      group.dispose().then(
        () => {
          logger.flush();
          resolve(code);
        },
        () => resolve(1),
      );
    };
    onStop = stop;
    if (refused) stop(2);
    process.on('SIGINT', () => stop(0));
    process.on('SIGTERM', () => stop(0));
  });
}
