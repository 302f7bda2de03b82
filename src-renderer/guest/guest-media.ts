import { meterPercent } from '../ui/meter-scale.js';

/** The guest's camera and microphone, with a level for the meter. */
export interface GuestMedia {
  stream: MediaStream;
  /** False: the camera was refused or is missing, the guest joins with sound only. */
  video: boolean;
  stop(): void;
  /** Calls `listener` with the microphone's level (dBFS, RMS) about 20 times a second; returns the unsubscribe. */
  onLevel(listener: (db: number) => void): () => void;
}

/** The meter's fill (0-100 %) for a level in dBFS: -60 dB and below is empty, 0 dB full (the studio's scale). */
export const levelToWidth = (db: number): number => Math.round(meterPercent(db));

/** dBFS of the RMS of `samples` (-Infinity for silence). */
export function rmsDb(samples: Float32Array): number {
  let sum = 0;
  for (const x of samples) sum += x * x;
  const rms = Math.sqrt(sum / Math.max(1, samples.length));
  return rms > 0 ? 20 * Math.log10(rms) : -Infinity;
}

const refusedCamera = (error: unknown): boolean => ['NotAllowedError', 'NotFoundError', 'NotReadableError', 'OverconstrainedError'].includes((error as Error).name);

/**
 * Opens the chosen (or default) camera and microphone. A camera that is refused or missing leaves a
 * guest with sound only; a microphone that cannot be opened is an error the page shows.
 */
export async function openGuestMedia(choice: { camera: string | null; microphone: string | null }): Promise<GuestMedia> {
  // The studio's mixer sets levels: the browser's echo cancellation stays on (the guest hears the show), its gain control off.
  const audio: MediaTrackConstraints = { ...(choice.microphone ? { deviceId: { exact: choice.microphone } } : {}), echoCancellation: true, autoGainControl: false, noiseSuppression: true };
  const video: MediaTrackConstraints = { ...(choice.camera ? { deviceId: { exact: choice.camera } } : {}), width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } };
  let stream: MediaStream;
  let hasVideo = true;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio, video });
  } catch (error) {
    if (!refusedCamera(error)) throw new Error(`The camera and microphone cannot be opened (${(error as Error).message}).`, { cause: error });
    hasVideo = false;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio });
    } catch (again) {
      throw new Error(`The microphone is needed to join the show: allow it in the browser's address bar, then reload (${(again as Error).name}).`, { cause: again });
    }
  }
  let context: AudioContext | null = null;
  return {
    stream,
    video: hasVideo,
    stop: () => {
      for (const track of stream.getTracks()) track.stop();
      void context?.close().catch(() => undefined);
    },
    onLevel: (listener) => {
      context ??= new AudioContext();
      const analyser = context.createAnalyser();
      analyser.fftSize = 1024;
      const source = context.createMediaStreamSource(stream);
      source.connect(analyser);
      const samples = new Float32Array(analyser.fftSize);
      const timer = setInterval(() => {
        analyser.getFloatTimeDomainData(samples);
        listener(rmsDb(samples));
      }, 50);
      return () => {
        clearInterval(timer);
        source.disconnect();
      };
    },
  };
}
