import type { DesktopBridge, StudioBridge } from '../src-shared/contract/index.js';

declare global {
  interface Window {
    /** Present only in the Electron shell (set by the preload). */
    readonly studio?: StudioBridge;
    /** Present only in the Electron shell: its screen and window picker (a browser has its own). */
    readonly studioDesktop?: DesktopBridge;
  }
}

export {};
