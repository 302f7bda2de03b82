import type { RunnerClientMessage, RunnerServerMessage } from '../../src-shared/contract/runners.js';

type Hello = Extract<RunnerClientMessage, { type: 'hello' }>;
type Refusal = Omit<Extract<RunnerServerMessage, { type: 'refused' }>, 'type'>;

const SEMVER = /^(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/;

/** `major.minor` of a version, or undefined when it is not one. */
export function releaseLine(version: string): string | undefined {
  const m = SEMVER.exec(version);
  return m ? `${m[1]}.${m[2]}` : undefined;
}

/**
 * Whether the origin takes a runner's hello: the same release line (major.minor: a patch release keeps
 * the job protocol and the processor's outputs), a clock within `maxSkewMs` of the origin's (leases,
 * job times and signed URLs are in wall time), and a well-formed description of itself. Pure.
 */
export function checkRunnerHello(hello: Partial<Hello>, origin: { version: string; now: number; maxSkewMs: number }): Refusal | undefined {
  const bad = (message: string): Refusal => ({ code: 'BAD_REQUEST', message });
  if (typeof hello.name !== 'string' || hello.name.length === 0 || hello.name.length > 100) return bad('hello: name must be 1-100 characters');
  if (typeof hello.version !== 'string' || hello.version.length > 40) return bad('hello: version is missing');
  if (!Number.isInteger(hello.slots) || hello.slots! < 1 || hello.slots! > 16) return bad('hello: slots must be 1..16');
  if (!Number.isInteger(hello.cores) || hello.cores! < 1 || hello.cores! > 1024) return bad('hello: cores must be a whole number from 1');
  if (!Array.isArray(hello.encoders) || hello.encoders.length > 64 || hello.encoders.some((e) => typeof e !== 'string' || e.length > 40)) return bad('hello: encoders must be a list of names');
  if (typeof hello.ffmpeg !== 'string' || hello.ffmpeg.length > 200) return bad('hello: ffmpeg must be its version line');
  if (typeof hello.clock !== 'number' || !Number.isFinite(hello.clock)) return bad('hello: clock (Unix ms) is missing');
  const ours = releaseLine(origin.version);
  const theirs = releaseLine(hello.version);
  if (ours !== theirs || ours === undefined) {
    return { code: 'RUNNER_VERSION', message: `the runner runs ${hello.version}, the origin ${origin.version}: install ${ours ?? origin.version}.x on the runner` };
  }
  const skew = hello.clock - origin.now;
  if (Math.abs(skew) > origin.maxSkewMs) {
    const sec = Math.round(skew / 1000);
    return {
      code: 'RUNNER_CLOCK',
      message: `the runner's clock is ${Math.abs(sec)} s ${sec > 0 ? 'ahead of' : 'behind'} the origin's (at most ${Math.round(origin.maxSkewMs / 1000)} s): synchronise it (NTP)`,
    };
  }
  return undefined;
}
