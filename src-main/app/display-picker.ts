import { desktopCapturer, ipcMain, type DesktopCapturerSource, type IpcMainEvent, type Session } from 'electron';
import { IPC_DISPLAY_CHOICE_CHANNEL, IPC_DISPLAY_OFFER_CHANNEL, type DisplayOffer } from '../../src-shared/contract/index.js';
import type { Logger } from '../core/logger.js';
import { offerSources, PendingChoices, readChoice } from './display-offer.js';

export interface DisplayPickerOptions {
  /** True for our own page (the only one that may capture). */
  isAppPage(url: string): boolean;
  /** The studio window's own media source id, left out of the list. */
  ownWindowSourceId(): string | undefined;
  logger: Logger;
  /** How long the page has to answer (default 2 minutes). */
  timeoutMs?: number;
}

const THUMBNAIL = { width: 320, height: 180 };

/**
 * getDisplayMedia in the desktop window: the sources desktopCapturer lists (screens and windows, with
 * thumbnails; on Wayland the desktop's own portal dialog comes first and the list holds what it
 * granted) go to the page, whose picker answers with one. Chromium then captures it with its own
 * capturer (PipeWire, WGC/DXGI, ScreenCaptureKit). Cancelled, unanswered or not from our page:
 * refused, and the page's getDisplayMedia rejects with NotAllowedError. The system's sound is offered
 * where Chromium can loop it back (Windows).
 */
export function attachDisplayPicker(session: Session, options: DisplayPickerOptions): () => void {
  const { isAppPage, ownWindowSourceId, logger } = options;
  const pending = new PendingChoices(options.timeoutMs ?? 120_000);
  const loopback = process.platform === 'win32';

  session.setDisplayMediaRequestHandler((request, callback) => {
    const frame = request.frame;
    if (!frame || !isAppPage(frame.url)) {
      logger.warn({ origin: request.securityOrigin }, 'screen capture refused: not our page');
      callback(null);
      return;
    }
    void desktopCapturer.getSources({ types: ['screen', 'window'], thumbnailSize: THUMBNAIL, fetchWindowIcons: true }).then(
      (sources: DesktopCapturerSource[]) => {
        const offered = offerSources(sources, ownWindowSourceId());
        if (offered.length === 0) return callback(null);
        const id = pending.open((choice) => {
          const source = choice?.sourceId ? sources.find((s) => s.id === choice.sourceId) : undefined;
          if (!source) return callback(null);
          callback(choice?.audio && loopback && request.audioRequested ? { video: source, audio: 'loopback' } : { video: source });
        });
        const offer: DisplayOffer = { request: id, sources: offered, audio: loopback && request.audioRequested };
        frame.send(IPC_DISPLAY_OFFER_CHANNEL, offer);
      },
      (error: unknown) => {
        // Wayland: the creator closed the portal's dialog; elsewhere the OS refused the list.
        logger.info({ error: String(error) }, 'no screen to capture');
        callback(null);
      },
    );
  });

  const onChoice = (event: IpcMainEvent, raw: unknown): void => {
    const choice = readChoice(raw);
    if (!choice || !event.senderFrame || !isAppPage(event.senderFrame.url)) return;
    pending.settle(choice.request, choice);
  };
  ipcMain.on(IPC_DISPLAY_CHOICE_CHANNEL, onChoice);

  return () => {
    ipcMain.removeListener(IPC_DISPLAY_CHOICE_CHANNEL, onChoice);
    session.setDisplayMediaRequestHandler(null);
    pending.cancelAll();
  };
}
