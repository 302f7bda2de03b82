import { StudioError } from '../core/errors.js';
import type { ScreenInput, ScreenInputOptions } from './types.js';

/** Encoders that take ddagrab's Direct3D 11 frames as they are (no copy back to system memory). */
const D3D11_ENCODERS = new Set(['h264_nvenc', 'h264_amf']);

/** `\\.\DISPLAY2` -> DXGI output 1 (Windows numbers its displays from 1, DXGI its outputs from 0). */
export function outputIndexOf(display: string): number {
  const n = /DISPLAY(\d+)$/i.exec(display)?.[1] ?? (/^\d+$/.test(display) ? String(Number(display) + 1) : undefined);
  if (n === undefined || Number(n) < 1) throw new StudioError('VALIDATION_FAILED', `"${display}" is not a Windows display name like \\\\.\\DISPLAY1`);
  return Number(n) - 1;
}

/**
 * Windows: ffmpeg's `ddagrab` (Desktop Duplication API): frames stay on the GPU for NVENC and AMF;
 * other encoders get them downloaded as BGRA first (QSV through a derived device). A region is an
 * offset and size inside the output.
 */
export function screenInputWin32(o: ScreenInputOptions): ScreenInput {
  const { target } = o;
  const source = [
    `output_idx=${outputIndexOf(target.display)}`, `framerate=${o.fps}`, `video_size=${target.width}x${target.height}`,
    `offset_x=${target.x ?? 0}`, `offset_y=${target.y ?? 0}`, `draw_mouse=${o.drawMouse ? 1 : 0}`,
  ].join(':');
  const filters =
    D3D11_ENCODERS.has(o.encoder) && !o.scaled ? [] : o.encoder === 'h264_qsv' && !o.scaled ? ['hwmap=derive_device=qsv', 'format=qsv'] : ['hwdownload', 'format=bgra'];
  return { args: ['-f', 'lavfi', '-i', `ddagrab=${source}`], filters };
}
