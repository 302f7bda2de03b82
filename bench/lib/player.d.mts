// Types of what TypeScript tests use from player.mjs.
export function samplerScript(videoId: string): string;
