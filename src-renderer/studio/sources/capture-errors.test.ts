import { describe, expect, it } from 'vitest';
import { captureProblem, mediaProblem } from './capture-errors.js';

const thrown = (name: string, message = 'x') => Object.assign(new Error(message), { name });

describe('capture problems in the user\'s words', () => {
  it.each([
    ['NotAllowedError', 'camera', 'CAPTURE_DENIED', /refused/],
    ['NotAllowedError', 'screen', 'CAPTURE_DENIED', /Capture/],
    ['NotFoundError', 'microphone', 'DEVICE_NOT_FOUND', /plugged in again/],
    ['OverconstrainedError', 'camera', 'CONSTRAINTS_UNMET', /size or frame rate/],
    ['NotReadableError', 'camera', 'DEVICE_IN_USE', /busy/],
    ['TypeError', 'screen', 'CAPTURE_UNSUPPORTED', /secure page/],
    ['Weird', 'camera', 'CAPTURE_FAILED', /The camera failed: boom/],
  ] as const)('%s on %s -> %s', (name, what, code, words) => {
    const problem = captureProblem(thrown(name, 'boom'), what);
    expect(problem.code).toBe(code);
    expect(problem.message).toMatch(words);
  });

  it('names the file that is not media', () => {
    expect(mediaProblem('/studio-media/abc%20d.png?x=1', 'image')).toEqual({ code: 'MEDIA_INVALID', message: 'abc d.png is not an image this browser can show.' });
    expect(mediaProblem('data:video/mp4;base64,AAAA', 'video').message).toBe('the file is not a video this browser can show.');
  });
});
