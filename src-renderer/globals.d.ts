import type { StudioBridge } from '../src-shared/contract/index.js';

declare global {
  interface Window {
    /** Present only in the Electron shell (set by the preload). */
    readonly studio?: StudioBridge;
  }
}

export {};
