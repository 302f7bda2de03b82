import type { ObsInputKind, ObsTemplateName } from '../../src-shared/contract/index.js';

/** Scene templates: which inputs, where, for a canvas size. Pure; applied by the OBS service. */

export interface TemplateParams {
  sceneName: string;
  screen?: number | undefined;
  camera?: string | undefined;
  secondCamera?: string | undefined;
  title?: string | undefined;
}

export interface TemplateItem {
  name: string;
  kind: ObsInputKind;
  settings: Record<string, unknown>;
  /** Top-left corner and the box the source is fitted into (aspect kept). */
  box: { x: number; y: number; width: number; height: number };
}

export const TEMPLATES: { name: ObsTemplateName; label: string; description: string; parameters: ('screen' | 'camera' | 'secondCamera' | 'title')[] }[] = [
  { name: 'gaming', label: 'Gaming', description: 'The game full screen, the camera in the bottom-right corner, a title', parameters: ['screen', 'camera', 'title'] },
  { name: 'interview', label: 'Interview', description: 'Two cameras side by side over a background, a lower third', parameters: ['camera', 'secondCamera', 'title'] },
  { name: 'presentation', label: 'Presentation', description: 'Slides (a screen) on the left, the camera on the right', parameters: ['screen', 'camera', 'title'] },
  { name: 'just-chatting', label: 'Just Chatting', description: 'The camera full frame over a background, a title', parameters: ['camera', 'title'] },
];

const BACKGROUND = 0xff1e1a17; // ABGR: a dark blue-grey

function cameraSettings(device: string | undefined, platform: NodeJS.Platform): Record<string, unknown> {
  if (!device) return {};
  return platform === 'linux' ? { device_id: device } : platform === 'win32' ? { video_device_id: device } : { device: device };
}

/** The items of a template for a `width` x `height` canvas, named after the scene (OBS input names are global). */
export function templateItems(template: ObsTemplateName, p: TemplateParams, canvas: { width: number; height: number }, platform: NodeJS.Platform): TemplateItem[] {
  const W = canvas.width;
  const H = canvas.height;
  const m = Math.round(H * 0.03); // margin
  const n = (what: string): string => `${p.sceneName} - ${what}`;
  const title = (box: TemplateItem['box']): TemplateItem => ({
    name: n('Title'),
    kind: 'text',
    settings: { text: p.title ?? p.sceneName, font: { face: platform === 'win32' ? 'Arial' : 'Sans', size: Math.round(H / 15), flags: 1 } },
    box,
  });
  const background: TemplateItem = { name: n('Background'), kind: 'color', settings: { color: BACKGROUND, width: W, height: H }, box: { x: 0, y: 0, width: W, height: H } };
  const screen = (box: TemplateItem['box']): TemplateItem => ({
    name: n('Screen'),
    kind: 'display',
    settings: platform === 'linux' ? { screen: p.screen ?? 0, show_cursor: true } : { monitor: p.screen ?? 0 },
    box,
  });
  const camera = (what: string, device: string | undefined, box: TemplateItem['box']): TemplateItem => ({ name: n(what), kind: 'camera', settings: cameraSettings(device, platform), box });
  switch (template) {
    case 'gaming': {
      const cw = Math.round(W * 0.25);
      const ch = Math.round((cw * 9) / 16);
      return [
        screen({ x: 0, y: 0, width: W, height: H }),
        camera('Camera', p.camera, { x: W - cw - m, y: H - ch - m, width: cw, height: ch }),
        title({ x: m, y: H - Math.round(H / 10) - m, width: Math.round(W * 0.5), height: Math.round(H / 10) }),
      ];
    }
    case 'interview': {
      const cw = Math.round((W - 3 * m) / 2);
      const ch = Math.round((cw * 9) / 16);
      const y = Math.round((H - ch) / 2) - m;
      return [
        background,
        camera('Host camera', p.camera, { x: m, y, width: cw, height: ch }),
        camera('Guest camera', p.secondCamera, { x: 2 * m + cw, y, width: cw, height: ch }),
        title({ x: m, y: H - Math.round(H / 8) - m, width: W - 2 * m, height: Math.round(H / 8) }),
      ];
    }
    case 'presentation': {
      const sw = Math.round(W * 0.72);
      const sh = Math.round((sw * 9) / 16);
      const cw = W - sw - 3 * m;
      return [
        background,
        screen({ x: m, y: Math.round((H - sh) / 2), width: sw, height: sh }),
        camera('Camera', p.camera, { x: sw + 2 * m, y: Math.round((H - sh) / 2), width: cw, height: Math.round((cw * 9) / 16) }),
        title({ x: sw + 2 * m, y: Math.round((H - sh) / 2) + Math.round((cw * 9) / 16) + m, width: cw, height: Math.round(H / 12) }),
      ];
    }
    case 'just-chatting':
      return [
        background,
        camera('Camera', p.camera, { x: 0, y: 0, width: W, height: H }),
        title({ x: m, y: m, width: Math.round(W * 0.6), height: Math.round(H / 10) }),
      ];
  }
}

/** The obs-websocket transform that fits a source into `box`, keeping its aspect, anchored top-left. */
export function boxTransform(box: TemplateItem['box']): Record<string, number | string> {
  return {
    positionX: box.x,
    positionY: box.y,
    alignment: 5, // OBS_ALIGN_TOP | OBS_ALIGN_LEFT
    boundsType: 'OBS_BOUNDS_SCALE_INNER',
    boundsAlignment: 0,
    boundsWidth: Math.max(1, box.width),
    boundsHeight: Math.max(1, box.height),
  };
}
