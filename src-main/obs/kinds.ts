import type { ObsFilterKind, ObsInputKind } from '../../src-shared/contract/index.js';

/** The OBS input kind of each studio kind, per OS (OBS names its capture sources per platform). Pure. */
export function obsInputKindOf(kind: ObsInputKind, platform: NodeJS.Platform): string {
  const byOs: Record<ObsInputKind, Partial<Record<NodeJS.Platform, string>> & { default: string }> = {
    display: { default: 'xshm_input', win32: 'monitor_capture', darwin: 'screen_capture' },
    window: { default: 'xcomposite_input', win32: 'window_capture', darwin: 'screen_capture' },
    camera: { default: 'v4l2_input', win32: 'dshow_input', darwin: 'av_capture_input_v2' },
    media: { default: 'ffmpeg_source' },
    image: { default: 'image_source' },
    browser: { default: 'browser_source' },
    text: { default: 'text_ft2_source_v2', win32: 'text_gdiplus_v2' },
    color: { default: 'color_source_v3' },
  };
  const entry = byOs[kind];
  return entry[platform] ?? entry.default;
}

export const OBS_FILTER_KIND: Record<ObsFilterKind, string> = {
  chroma_key: 'chroma_key_filter_v2',
  color_correction: 'color_filter_v2',
  noise_suppression: 'noise_suppress_filter_v2',
  compressor: 'compressor_filter',
};

/** Settings that make a freshly created input show something sensible. */
export function defaultInputSettings(kind: ObsInputKind, platform: NodeJS.Platform, canvas: { width: number; height: number }): Record<string, unknown> {
  switch (kind) {
    case 'display':
      return platform === 'linux' ? { screen: 0, show_cursor: true } : {};
    case 'color':
      return { color: 0xff2a2a2a, width: canvas.width, height: canvas.height };
    case 'text':
      return platform === 'win32' ? { text: 'Streams Studio', font: { face: 'Arial', size: 48 } } : { text: 'Streams Studio', font: { face: 'Sans', size: 48, flags: 0 } };
    case 'browser':
      return { url: 'about:blank', width: canvas.width, height: canvas.height };
    default:
      return {};
  }
}
