import { isStudioErrorShape, type ErrorCode, type FieldIssue, type StudioErrorShape } from '../../src-shared/errors.js';

/** The one error a call rejects with: it carries the host's error object untouched. */
export class ClientError extends Error {
  readonly shape: StudioErrorShape;

  constructor(shape: StudioErrorShape) {
    super(shape.message);
    this.name = 'ClientError';
    this.shape = shape;
  }

  get code(): ErrorCode {
    return this.shape.code;
  }

  get fields(): FieldIssue[] {
    return this.shape.details?.fields ?? [];
  }
}

export function isClientError(value: unknown): value is ClientError {
  return value instanceof ClientError;
}

/** Anything thrown (network failure, bad body, a bug) as a ClientError, so the UI has one path. */
export function toClientError(value: unknown): ClientError {
  if (value instanceof ClientError) return value;
  if (isStudioErrorShape(value)) return new ClientError(value);
  const message = value instanceof Error ? value.message : String(value);
  return new ClientError({ code: 'INTERNAL', message });
}

/** The error for an HTTP failure whose body is not `{"error": ...}` (a proxy page, an empty 502). */
export function errorFromHttpStatus(status: number, statusText: string): ClientError {
  const code: ErrorCode = status === 401 ? 'UNAUTHORIZED' : status === 404 ? 'NOT_FOUND' : status >= 500 ? 'UNAVAILABLE' : 'BAD_REQUEST';
  return new ClientError({ code, message: `HTTP ${status}${statusText ? ` ${statusText}` : ''}` });
}
