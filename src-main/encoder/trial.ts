import type { EncoderProbe } from '../../src-shared/contract/system.js';

/** An encoder the studio can use, before it is probed. */
export interface EncoderCandidate {
  name: string;
  codec: EncoderProbe['codec'];
  vendor: EncoderProbe['vendor'];
  hardware: boolean;
}

type Family = { vendor: EncoderProbe['vendor']; suffix: string; codecs: readonly ('h264' | 'hevc' | 'av1')[] };

// VideoToolbox has no AV1 encoder in any ffmpeg release, so it only gets h264/hevc.
const HARDWARE_FAMILIES: readonly Family[] = [
  { vendor: 'nvidia', suffix: 'nvenc', codecs: ['h264', 'hevc', 'av1'] },
  { vendor: 'intel', suffix: 'qsv', codecs: ['h264', 'hevc', 'av1'] },
  { vendor: 'amd', suffix: 'amf', codecs: ['h264', 'hevc', 'av1'] },
  { vendor: 'vaapi', suffix: 'vaapi', codecs: ['h264', 'hevc', 'av1'] },
  { vendor: 'apple', suffix: 'videotoolbox', codecs: ['h264', 'hevc'] },
];

const SOFTWARE: readonly EncoderCandidate[] = [
  { name: 'libx264', codec: 'h264', vendor: 'software', hardware: false },
  { name: 'libx265', codec: 'hevc', vendor: 'software', hardware: false },
  { name: 'libvpx', codec: 'vp8', vendor: 'software', hardware: false },
  { name: 'libvpx-vp9', codec: 'vp9', vendor: 'software', hardware: false },
  { name: 'libsvtav1', codec: 'av1', vendor: 'software', hardware: false },
  { name: 'libaom-av1', codec: 'av1', vendor: 'software', hardware: false },
  { name: 'aac', codec: 'aac', vendor: 'software', hardware: false },
  { name: 'libopus', codec: 'opus', vendor: 'software', hardware: false },
];

export const ENCODER_CANDIDATES: readonly EncoderCandidate[] = [
  ...HARDWARE_FAMILIES.flatMap((family) =>
    family.codecs.map((codec) => ({ name: `${codec}_${family.suffix}`, codec, vendor: family.vendor, hardware: true })),
  ),
  ...SOFTWARE,
];

export interface TrialOptions {
  /** DRM render node for VAAPI. */
  vaapiDevice?: string;
}

const VIDEO_INPUT = ['-f', 'lavfi', '-i', 'color=black:s=256x144:r=30'];
const AUDIO_INPUT = ['-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo'];

/** Arguments of a one-frame trial encode to the null muxer: it succeeds only if the encoder really opens. */
export function trialArgs(candidate: EncoderCandidate, options: TrialOptions = {}): string[] {
  const head = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
  const tail = ['-f', 'null', '-'];
  if (candidate.codec === 'aac' || candidate.codec === 'opus') {
    return [...head, ...AUDIO_INPUT, '-frames:a', '1', '-c:a', candidate.name, ...tail];
  }
  const encode = ['-frames:v', '1', '-c:v', candidate.name];
  switch (candidate.vendor) {
    case 'vaapi':
      // VAAPI encoders take only hardware frames: open the device, upload NV12 to it.
      return [
        ...head,
        '-vaapi_device',
        options.vaapiDevice ?? '/dev/dri/renderD128',
        ...VIDEO_INPUT,
        '-vf',
        'format=nv12,hwupload',
        ...encode,
        ...tail,
      ];
    case 'intel':
      return [
        ...head,
        '-init_hw_device',
        'qsv=hw',
        '-filter_hw_device',
        'hw',
        ...VIDEO_INPUT,
        '-vf',
        'format=nv12,hwupload=extra_hw_frames=64,format=qsv',
        ...encode,
        ...tail,
      ];
    case 'nvidia':
    case 'amd':
    case 'apple':
      // These accept NV12 from system memory and upload it themselves.
      return [...head, ...VIDEO_INPUT, '-vf', 'format=nv12', ...encode, ...tail];
    default:
      return [...head, ...VIDEO_INPUT, '-pix_fmt', 'yuv420p', ...encode, ...tail];
  }
}
