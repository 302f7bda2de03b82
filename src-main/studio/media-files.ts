/**
 * Pictures and videos for the studio's sources (image, slideshow, video, stinger), pure: what a file
 * really is from its first bytes (never from its name or the type the client claims), and the names
 * they are stored under.
 */
export const MEDIA_TYPES = {
  png: 'image/png',
  jpg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  mp4: 'video/mp4',
  webm: 'video/webm',
} as const;
export type MediaExt = keyof typeof MEDIA_TYPES;

/** The largest file a source may use. */
export const MAX_MEDIA_BYTES = 64 * 1024 * 1024;

const startsWith = (b: Uint8Array, bytes: readonly number[], at = 0) => bytes.every((v, i) => b[at + i] === v);
const ascii = (b: Uint8Array, text: string, at = 0) => startsWith(b, [...text].map((c) => c.charCodeAt(0)), at);

/** The media a file's first bytes say it is, or null (not a picture or video a source can show). */
export function sniffMedia(head: Uint8Array): MediaExt | null {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'jpg';
  if (ascii(head, 'GIF87a') || ascii(head, 'GIF89a')) return 'gif';
  if (ascii(head, 'RIFF') && ascii(head, 'WEBP', 8)) return 'webp';
  if (ascii(head, 'ftyp', 4)) return 'mp4';
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return 'webm';
  return null;
}

/** A stored file's name: 24 random characters and the sniffed extension (nothing else is served). */
export const MEDIA_FILE_RE = /^[a-z0-9]{24}\.(png|jpg|gif|webp|mp4|webm)$/;

export function mediaFileName(random: Uint8Array, ext: MediaExt): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return `${[...random.slice(0, 24)].map((b) => alphabet[b % alphabet.length]).join('')}.${ext}`;
}
