import { BrowserWindow, ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, isMethodName, type CallResult } from '../../src-shared/contract/index.js';
import type { Dispatch } from '../api/dispatch.js';
import type { EventBus } from '../core/bus.js';
import type { Logger } from '../core/logger.js';
import { isAppPage, type AppPages } from './app-page.js';

export interface IpcAdapterOptions {
  dispatch: Dispatch;
  bus: Pick<EventBus, 'onAny'>;
  logger: Logger;
  /** Our own page: the only one whose calls are served. */
  pages: AppPages;
  /** True for the web contents of a window we created. */
  ownsContents(contents: WebContents): boolean;
}

const refuse = (code: 'FORBIDDEN' | 'NOT_FOUND', message: string): CallResult<unknown> => ({ ok: false, error: { code, message } });

/**
 * The IPC transport of the contract: one invoke channel for every method, one event channel for every
 * event. Only the top frame of our own window, showing our own page, is answered.
 */
export function attachIpc({ dispatch, bus, logger, pages, ownsContents }: IpcAdapterOptions): () => void {
  const trusted = (event: IpcMainInvokeEvent): boolean => {
    const frame = event.senderFrame;
    return frame !== null && frame.parent === null && ownsContents(event.sender) && isAppPage(frame.url, pages);
  };

  ipcMain.handle(IPC_INVOKE_CHANNEL, async (event, method: unknown, input: unknown): Promise<CallResult<unknown>> => {
    if (!trusted(event)) {
      logger.warn({ url: event.senderFrame?.url, method: String(method) }, 'ipc call from an untrusted frame refused');
      return refuse('FORBIDDEN', 'this page may not call the studio');
    }
    if (!isMethodName(method)) return refuse('NOT_FOUND', `unknown method "${String(method)}"`);
    return dispatch(method, input, { transport: 'ipc' });
  });

  const stopForwarding = bus.onAny((envelope) => {
    for (const window of BrowserWindow.getAllWindows()) {
      const contents = window.webContents;
      if (window.isDestroyed() || contents.isDestroyed() || !ownsContents(contents)) continue;
      contents.send(IPC_EVENT_CHANNEL, envelope);
    }
  });

  return () => {
    stopForwarding();
    ipcMain.removeHandler(IPC_INVOKE_CHANNEL);
  };
}
