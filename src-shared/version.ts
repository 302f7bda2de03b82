/** Injected at build time from package.json; `0.0.0-dev` when running sources directly. */
declare const __STUDIO_VERSION__: string | undefined;

export const STUDIO_VERSION: string = typeof __STUDIO_VERSION__ === 'string' ? __STUDIO_VERSION__ : '0.0.0-dev';
