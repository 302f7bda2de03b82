/**
 * Why a capture or a file failed, in the user's words, from what the browser threw. Stable codes, so
 * tests and the UI branch on them, never on the browser's message (which differs per browser and OS).
 */
export type CaptureErrorCode = 'CAPTURE_DENIED' | 'DEVICE_NOT_FOUND' | 'DEVICE_IN_USE' | 'CAPTURE_UNSUPPORTED' | 'CONSTRAINTS_UNMET' | 'MEDIA_INVALID' | 'CAPTURE_FAILED';

export interface CaptureProblem {
  code: CaptureErrorCode;
  message: string;
}

export type CaptureWhat = 'camera' | 'microphone' | 'screen' | 'stream' | 'guest';
const WHAT: Record<CaptureWhat, string> = { camera: 'the camera', microphone: 'the microphone', screen: 'the screen capture', stream: 'the stream', guest: 'the guest' };

export function captureProblem(error: unknown, what: CaptureWhat): CaptureProblem {
  const name = typeof error === 'object' && error !== null && 'name' in error ? String((error as { name: unknown }).name) : '';
  const thing = WHAT[what];
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return {
        code: 'CAPTURE_DENIED',
        message:
          what === 'screen'
            ? 'The screen capture was refused (by you or the system). Press "Capture" on the source to choose again.'
            : `Access to ${thing} was refused. Allow it in the browser's site settings (or the system's privacy settings), then press "Retry".`,
      };
    case 'NotFoundError':
    case 'OverconstrainedError':
      if (name === 'NotFoundError' && what === 'stream') return { code: 'DEVICE_NOT_FOUND', message: 'The stream is not live. Its picture shows here when it goes live.' };
      if (name === 'NotFoundError' && what === 'guest') return { code: 'DEVICE_NOT_FOUND', message: 'The guest is not on the show. Their picture shows here when you admit them and their camera connects.' };
      return name === 'NotFoundError'
        ? { code: 'DEVICE_NOT_FOUND', message: `${cap(thing)} is not connected. It comes back by itself when it is plugged in again.` }
        : { code: 'CONSTRAINTS_UNMET', message: `${cap(thing)} cannot give the chosen size or frame rate: pick another in the source's settings.` };
    case 'NotReadableError':
    case 'AbortError':
      return { code: 'DEVICE_IN_USE', message: `${cap(thing)} is busy or failed to start (another program may hold it). Close that program, then press "Retry".` };
    case 'TypeError':
    case 'NotSupportedError':
      return { code: 'CAPTURE_UNSUPPORTED', message: `This browser cannot capture ${thing} here (a secure page is needed: https or localhost).` };
    default:
      return { code: 'CAPTURE_FAILED', message: `${cap(thing)} failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

export function mediaProblem(url: string, kind: 'image' | 'video'): CaptureProblem {
  const name = url.startsWith('data:') ? 'the file' : decodeURIComponent(url.split('?')[0]!.split('/').pop() || url);
  return { code: 'MEDIA_INVALID', message: `${name} is not ${kind === 'image' ? 'an image' : 'a video'} this browser can show.` };
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
