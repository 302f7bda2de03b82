import { describe, expect, it } from 'vitest';
import { StudioError } from '../core/errors.js';
import { obsError, studioCodeOfObs } from './obs-errors.js';

describe('obs error mapping', () => {
  it('maps the auth close code, missing resources and state conflicts to stable codes', () => {
    expect(studioCodeOfObs(4009)).toBe('OBS_AUTH_FAILED');
    expect(studioCodeOfObs(600)).toBe('NOT_FOUND');
    expect(studioCodeOfObs(601)).toBe('CONFLICT');
    expect(studioCodeOfObs(501)).toBe('CONFLICT');
    expect(studioCodeOfObs(402)).toBe('BAD_REQUEST');
    expect(studioCodeOfObs(207)).toBe('OBS_NOT_CONNECTED');
    expect(studioCodeOfObs(703)).toBe('OBS_REQUEST_FAILED');
    expect(studioCodeOfObs(undefined)).toBe('OBS_REQUEST_FAILED');
  });

  it('wraps an OBSWebSocketError-like error, keeping the OBS code in details', () => {
    const err = Object.assign(new Error('No source was found by the name of `Nope`.'), { code: 600 });
    const mapped = obsError(err, 'SetCurrentProgramScene');
    expect(mapped).toBeInstanceOf(StudioError);
    expect(mapped.code).toBe('NOT_FOUND');
    expect(mapped.httpStatus).toBe(404);
    expect(mapped.details).toEqual({ obsCode: 600 });
    expect(mapped.message).toContain('Nope');
    expect(obsError(Object.assign(new Error('Authentication failed.'), { code: 4009 }), 'connect').message).toBe('OBS refused the password (4009)');
  });
});
