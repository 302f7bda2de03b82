import { StudioError } from './errors.js';

/** What a job runner throws: a stable code, and whether another attempt may help (codes in NEVER_RETRIED never). */
export class JobError extends Error {
  override readonly name = 'JobError';
  constructor(
    readonly code: string,
    message: string,
    readonly options: { retry?: boolean } = {},
  ) {
    super(message);
  }
}

/** Another attempt cannot help: bad media, no room, or someone asked it to stop. */
export const NEVER_RETRIED: ReadonlySet<string> = new Set(['DISK_FULL', 'MEDIA_INVALID', 'CANCELLED']);

/** Not the job's fault, and the next run goes elsewhere: retried without a backoff (a runner that died, or sent a bad output). */
export const RETRIED_AT_ONCE: ReadonlySet<string> = new Set(['RUNNER_LOST', 'RUNNER_BUSY', 'OUTPUT_INVALID']);

/** What a thrown value means for a job: its code, message, and whether another attempt may help. Pure. */
export function classifyJobError(error: unknown): { code: string; message: string; retry: boolean } {
  if (error instanceof JobError) return { code: error.code, message: error.message, retry: error.options.retry ?? !NEVER_RETRIED.has(error.code) };
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  // A write that hit a full disk, thrown by fs in the runner itself.
  if (code === 'ENOSPC') return { code: 'DISK_FULL', message, retry: false };
  if (error instanceof StudioError) return { code: error.code, message, retry: !NEVER_RETRIED.has(error.code) };
  return { code: 'JOB_FAILED', message, retry: true };
}

/** ffmpeg's words (or Node's code) for a full disk, in a message or stderr. */
export const isEnospc = (text: string | undefined): boolean => /No space left on device|ENOSPC/i.test(text ?? '');
