import { isEnospc, JobError } from '../../core/job-error.js';

/** How a failed step becomes a JobError the queue understands. Pure. */


/** Free space below this after a failed step means the disk filled (the dash muxer exits 0 on ENOSPC). */
export const DISK_MARGIN_BYTES = 16 * 1024 * 1024;
export const mb = (bytes: number): string => `${Math.round(bytes / 1024 / 1024)} MB`;

/** Any failure as a JobError: a full disk, a cancel (the signal's own reason), or a retryable fault. */
export function asJobError(error: unknown, signal: AbortSignal): JobError {
  if (signal.aborted) return signal.reason instanceof JobError ? signal.reason : new JobError('CANCELLED', 'processing was cancelled');
  if (error instanceof JobError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if ((error as NodeJS.ErrnoException)?.code === 'ENOSPC' || isEnospc(message)) return new JobError('DISK_FULL', `the disk is full: ${message}`);
  return new JobError('FFMPEG_FAILED', message, { retry: true });
}
