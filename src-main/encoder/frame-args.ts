/**
 * One video frame as a JPEG: recordings' thumbnails and the library's poster and thumbnails. Pure.
 * `keyframe`: the keyframe at or before `atSec` (fast: no decoding up to the instant; the library's
 * thumbnails), else the exact frame. Never wider than the source. Not `-skip_frame nokey`: ffmpeg 4.1
 * then finds nothing after the last keyframe.
 */
export function frameArgs(input: string, output: string, atSec: number, o: { width: number; quality: number; keyframe?: boolean }): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-loglevel',
    'level+error',
    '-nostats',
    ...(o.keyframe ? ['-noaccurate_seek'] : []),
    '-ss',
    String(Math.max(0, Number(atSec.toFixed(3)))),
    '-i',
    input,
    '-frames:v',
    '1',
    '-vf',
    `scale=w='min(${o.width},iw)':h=-2`,
    '-q:v',
    String(o.quality),
    '-update',
    '1',
    output,
  ];
}
