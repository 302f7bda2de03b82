import type { z } from 'zod';
import { fieldIssuesFromZod, httpStatusOf, type ErrorCode, type FieldIssue, type StudioErrorShape } from '../../src-shared/errors.js';

/** The one error type of the studio: a stable code, a message for people, and plain-data details. */
export class StudioError extends Error {
  override readonly name = 'StudioError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown> & { fields?: FieldIssue[] },
  ) {
    super(message);
  }

  get httpStatus(): number {
    return httpStatusOf(this.code);
  }

  toJSON(): StudioErrorShape {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static validation(error: z.ZodError, what = 'input', prefix: readonly (string | number)[] = []): StudioError {
    const fields = fieldIssuesFromZod(error, prefix);
    const first = fields[0];
    const message = first ? `Invalid ${what}: ${first.path || '(root)'}: ${first.message}` : `Invalid ${what}`;
    return new StudioError('VALIDATION_FAILED', message, { fields });
  }

  /** Anything thrown becomes a StudioError; unknown errors are INTERNAL and keep no stack in the shape. */
  static from(error: unknown): StudioError {
    if (error instanceof StudioError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new StudioError('INTERNAL', message);
  }
}
