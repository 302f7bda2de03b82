import { app } from 'electron';
import type { Logger } from '../core/logger.js';

const FORCE_EXIT_MS = 10_000;

/**
 * Every way out (tray Quit, Cmd+Q, SIGINT/SIGTERM from a terminal) goes through `app.quit()`;
 * the first one stops the studio (servers, child processes, database, home lock) before the
 * process exits, and a stop that hangs is cut short after 10 s.
 */
export function stopStudioOnQuit(stop: (reason: string) => Promise<void>, logger: Logger): void {
  let stopping = false;
  app.on('before-quit', (event) => {
    event.preventDefault();
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => {
      logger.error('studio took longer than 10 s to stop, exiting');
      app.exit(1);
    }, FORCE_EXIT_MS);
    stop('quit').then(
      () => {
        clearTimeout(force);
        app.exit(0);
      },
      (error: unknown) => {
        clearTimeout(force);
        logger.error({ err: error }, 'error while stopping the studio');
        app.exit(1);
      },
    );
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => app.quit());
}
