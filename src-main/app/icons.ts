import fs from 'node:fs';
import path from 'node:path';
import { nativeImage, type NativeImage } from 'electron';
import { drawAppIcon, drawTrayTemplate } from './icon-art.js';
import { encodePng } from './png.js';

/** A shipped PNG when there is one (tray.png picks up tray@2x.png by itself), else the drawn fallback. */
function load(file: string, fallback: () => NativeImage): NativeImage {
  if (fs.existsSync(file)) {
    const image = nativeImage.createFromPath(file);
    if (!image.isEmpty()) return image;
  }
  return fallback();
}

export function appIcon(iconsDir: string): NativeImage {
  return load(path.join(iconsDir, 'icon.png'), () => nativeImage.createFromBuffer(encodePng(drawAppIcon(256))));
}

/** macOS wants a monochrome template for the menu bar; Windows and Linux show the colour icon. */
export function trayIcon(iconsDir: string, platform: NodeJS.Platform = process.platform): NativeImage {
  if (platform === 'darwin') {
    const image = load(path.join(iconsDir, 'trayTemplate.png'), () =>
      nativeImage.createFromBuffer(encodePng(drawTrayTemplate(32)), { scaleFactor: 2 }),
    );
    image.setTemplateImage(true);
    return image;
  }
  return load(path.join(iconsDir, 'tray.png'), () => nativeImage.createFromBuffer(encodePng(drawAppIcon(32))));
}
