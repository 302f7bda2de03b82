import { expect } from 'vitest';
import { StudioError } from '../src-main/core/errors.js';

/** The StudioError that `fn` throws (it must throw one). */
export function caught(fn: () => unknown): StudioError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StudioError);
    return error as StudioError;
  }
  throw new Error('expected a StudioError');
}
