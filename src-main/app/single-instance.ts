import path from 'node:path';
import { app } from 'electron';

/**
 * One app per studio home: Chromium's profile (and so its instance lock) lives in the home, so a
 * second launch on the same home hands its argv to the first and quits, while a throwaway --home
 * (tests, a second studio) runs beside it. Must run before the app is ready.
 * Returns false when another instance owns the home: the caller quits at once.
 */
export function claimSingleInstance(home: string, onSecondLaunch: (argv: string[]) => void): boolean {
  app.setPath('userData', path.join(home, 'electron'));
  if (!app.requestSingleInstanceLock()) return false;
  app.on('second-instance', (_event, argv) => onSecondLaunch(argv));
  return true;
}
