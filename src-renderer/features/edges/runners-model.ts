import type { RunnerInfo, Video } from '../../../src-shared/contract/index.js';
import { formatDuration } from '../dashboard/format.js';

/** Runner id -> name, kept for runners that left too (a job's `runner` can outlive its connection). */
export type RunnerNames = Readonly<Record<string, string>>;

/** Names remembered across lists, the newest last; bounded (every reconnect makes a new id). */
export function rememberNames(known: RunnerNames, runners: RunnerInfo[], max = 200): RunnerNames {
  const entries = Object.entries(known).filter(([id]) => !runners.some((r) => r.id === id));
  for (const r of runners) entries.push([r.id, r.name]);
  return Object.fromEntries(entries.slice(-max));
}

/** `on runner render-1`, or its id when the name is not known (null: the job runs on the origin). */
export function runnerWords(runnerId: string | null | undefined, names: RunnerNames): string | null {
  if (!runnerId) return null;
  return `on runner ${names[runnerId] || runnerId}`;
}

/** `1 / 2` busy of total slots. */
export function slotsLine(runner: Pick<RunnerInfo, 'jobs' | 'slots'>): string {
  return `${runner.jobs.length} / ${runner.slots}`;
}

/** The whole fleet in a line: `1 of 3 slots busy · 12 done · 1 failed`. */
export function fleetLine(runners: Pick<RunnerInfo, 'jobs' | 'slots' | 'done' | 'failed'>[]): string {
  const sum = (f: (r: (typeof runners)[number]) => number): number => runners.reduce((n, r) => n + f(r), 0);
  const failed = sum((r) => r.failed);
  return `${sum((r) => r.jobs.length)} of ${sum((r) => r.slots)} slots busy · ${sum((r) => r.done)} done${failed ? ` · ${failed} failed` : ''}`;
}

/** The runner's CPU load as a share for a meter (0..1) and in words; null until its first heartbeat. */
export function loadOf(load: number | null): { share: number; text: string } | null {
  if (load === null || !Number.isFinite(load)) return null;
  const share = Math.max(0, Math.min(1, load));
  return { share, text: `${Math.round(load * 100)} %` };
}

/** The first few encoders, hardware ones first (what an operator looks for), and how many more. */
export function shortEncoders(encoders: string[], max = 3): { shown: string[]; more: number } {
  const software = /^lib/;
  const ordered = [...encoders.filter((e) => !software.test(e)), ...encoders.filter((e) => software.test(e))];
  return { shown: ordered.slice(0, max), more: Math.max(0, ordered.length - max) };
}

export interface RunnerJobView {
  jobId: string;
  videoId: string;
  /** A live stream's ladder (subject `live:<stream>`): the stream's name; null for a library job. */
  stream: string | null;
  /** The video's title when the library knows it. */
  title: string | null;
  progress: number;
  step: string | null;
}

/**
 * A runner's jobs as the card shows them. The runner list renews its progress with each heartbeat; the
 * library's video.changed events carry the same job's progress as it comes, so the fresher one wins.
 */
export function runnerJobs(runner: Pick<RunnerInfo, 'jobs'>, videos: Readonly<Record<string, Video>>): RunnerJobView[] {
  return runner.jobs.map((j) => {
    if (j.subject.startsWith('live:')) return { jobId: j.jobId, videoId: '', stream: j.subject.slice(5), title: null, progress: 0, step: j.step };
    const video = videos[j.subject];
    const live = video?.job?.id === j.jobId && video.job.state === 'running' ? video.job : null;
    const fresher = live && live.progress > j.progress ? live : null;
    const step = fresher ? fresher.step ?? j.step : j.step ?? live?.step ?? null;
    return { jobId: j.jobId, videoId: j.subject, stream: null, title: video?.title ?? null, progress: fresher?.progress ?? j.progress, step: step || null };
  });
}

/** How long a runner has been connected: `5m 10s`. */
export function connectedFor(connectedAt: number, now: number): string {
  return formatDuration(Math.max(0, (now - connectedAt) / 1000));
}

/**
 * The origin a runner should dial: the page's own when it is served over http(s) (a browser, or the
 * desktop window showing the host's page), else the URL the host says it serves on.
 */
export function runnerOrigin(location: { protocol: string; origin: string }, hostUrl: string | null | undefined): string {
  if (location.protocol === 'http:' || location.protocol === 'https:') return location.origin;
  return hostUrl ? hostUrl.replace(/\/+$/, '') : 'http://<this host>:<port>';
}

/** The command that adds a runner on another machine (`<token>`: one with the runners:write scope). */
export function runnerCommand(origin: string): string {
  return `streams runner --origin ${origin} --token <token>`;
}

/** The command that installs a runner on a Debian/Ubuntu server over SSH (`streams runner provision`). */
export function runnerProvisionCommand(origin: string): string {
  return `streams runner provision root@<server> --origin ${origin} --token <token>`;
}
