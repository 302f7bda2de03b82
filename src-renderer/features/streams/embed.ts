/**
 * The viewer pages of a stream as the studio hands them out: the player page (`/play/<name>`) and the
 * embed (`/embed/<name>`, for an <iframe> on another site), with a private stream's signature carried
 * over from its signed playback URL (the pages pass it on to the host and the edges).
 */
export interface ViewerLinks {
  page: string;
  embed: string;
  iframe: string;
}

/** `playbackHls` is the stream's HLS URL (its origin is the host's); `signedHls` a signed one, if any. */
export function viewerLinks(name: string, playbackHls: string, signedHls?: string): ViewerLinks {
  let origin = '';
  try {
    origin = new URL(playbackHls).origin;
  } catch {
    // A relative URL: the links stay relative to the host too.
  }
  let query = '';
  if (signedHls) {
    try {
      query = new URL(signedHls, 'http://host').search;
    } catch {
      query = '';
    }
  }
  const page = `${origin}/play/${name}${query}`;
  const embed = `${origin}/embed/${name}${query}`;
  const src = embed.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  const iframe = `<iframe src="${src}" width="960" height="540" style="border:0;max-width:100%" allow="autoplay; fullscreen" allowfullscreen title="${name} (live)"></iframe>`;
  return { page, embed, iframe };
}
