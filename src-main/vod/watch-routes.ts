import { createRequire } from 'node:module';
import type { ChatPanelOptions } from '../data/chat/chat-panel.js';
import type { Logger } from '../core/logger.js';
import type { HttpPlugin } from '../http/plugin.js';
import { sendError } from '../http/reply.js';
import { signatureQueryOf, type QueryLike, type UrlSigner } from '../protocols/signing.js';
import type { VideoLibrary } from './library.js';
import { videoUrls } from './urls.js';
import { dataReplayScript, type DataReplay } from '../servers/webrtc/player-data.js';
import { watchPage, type WatchPageP2p } from './watch-page.js';
import { p2pVideoTrackerPath, videoP2pActive } from '../../src-shared/p2p.js';
import { P2P_ASSETS, p2pModulePaths } from '../protocols/p2p-page.js';

/**
 * How a watch page's sharing viewers fetch: what is due within 10 s over HTTP (two or three segments),
 * up to a minute ahead from peers (or by one of them over HTTP, then shared). Viewers of a video are
 * seldom at the same place: a window of a minute is what lets one's buffer serve the next. A viewer
 * alone fetches 30 s ahead over HTTP, as hls.js does by itself (its maxBufferLength).
 */
const VOD_P2P_URGENT_SEC = 10;
const VOD_P2P_AHEAD_SEC = 60;
const VOD_P2P_ALONE_SEC = 30;

/** hls.js as the live player page serves it (`/play/assets/hls.min.js`), when the package is installed. */
function hlsScript(): string | null {
  try {
    createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js');
    return '/play/assets/hls.min.js';
  } catch {
    return null;
  }
}

/**
 * The public watch page of a ready video, `/watch/<id>`: a private video's only with a URL signed for
 * `vod/<id>` (videos.watchUrl), whose query the page passes on to every file it loads.
 */
export function watchRoutes(o: {
  library: Pick<VideoLibrary, 'readyVideo' | 'view'>;
  signer: Pick<UrlSigner, 'verify'>;
  logger: Logger;
  /** A video made from a recording: the stream's timed data shown again at its frames (player-data.ts). */
  dataReplay?: (videoId: string) => DataReplay | null;
  /** The chat beside the video (ChatService.watchPanel): a recording's replay, else the video's own room. */
  chat?: { watchPanel(videoId: string): ChatPanelOptions | null };
  /**
   * Viewers of public and unlisted videos share segments (the tracker: p2pTrackerRoutes of kind video),
   * with the host's STUN server (webrtc.stunServer, '' for none). Without this, nobody shares.
   */
  p2p?: { stunServer: () => string };
}): HttpPlugin {
  const script = hlsScript();
  const p2p = o.p2p;
  const p2pModules = script && p2p ? p2pModulePaths() : null;
  const p2pOf = (video: { visibility: string; encryption: string }, id: string): WatchPageP2p | null =>
    p2pModules && p2p && videoP2pActive(video)
      ? { tracker: p2pVideoTrackerPath(id), urgentSec: VOD_P2P_URGENT_SEC, aheadSec: VOD_P2P_AHEAD_SEC, aloneSec: VOD_P2P_ALONE_SEC, stunServer: p2p.stunServer(), maxUploadKbps: 0, hlsjsModule: P2P_ASSETS.hlsjs, coreModule: P2P_ASSETS.core }
      : null;
  return async (app) => {
    app.get('/watch/:id', async (req, reply) => {
      const { id } = req.params as { id: string };
      const video = o.library.readyVideo(id);
      if (!video) return sendError(reply, { code: 'NOT_FOUND', message: `no ready video "${id}"` });
      let query = '';
      if (video.visibility === 'private') {
        const verdict = o.signer.verify(`vod/${id}`, req.query as QueryLike, req.ip);
        if (!verdict.ok) {
          return sendError(reply, { code: 'FORBIDDEN', message: `video "${id}" is private: open the link its owner shared`, details: { reason: verdict.reason } });
        }
        query = signatureQueryOf(req.query as QueryLike);
      }
      const urls = videoUrls(id, [], query);
      const page = watchPage(
        {
          id,
          title: video.title,
          description: video.description,
          hls: urls.hls,
          poster: urls.poster,
          previews: urls.sprite,
          chapters: video.chapters,
          durationSec: video.media?.durationSec ?? null,
        },
        script,
        o.chat?.watchPanel(id) ?? null,
        p2pOf(video, id),
      );
      const replay = o.dataReplay?.(id);
      const end = page.lastIndexOf('</body>');
      const html = replay && end >= 0 ? `${page.slice(0, end)}<script>${dataReplayScript(replay)}</script>\n${page.slice(end)}` : page;
      // Videos are meant to be shared and embedded: this page may be framed.
      reply.removeHeader('X-Frame-Options');
      return reply.header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(html);
    });
  };
}
