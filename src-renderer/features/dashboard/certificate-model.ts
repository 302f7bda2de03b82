import type { CertificateInfo } from '../../../src-shared/contract/index.js';

/** Days left under which the dashboard warns about a certificate. */
export const CERTIFICATE_WARN_DAYS = 30;

/** What the certificate card says: its state in a word and a tone. */
export function certificateState(info: CertificateInfo): { word: string; tone: 'ok' | 'warn' | 'bad' | 'off' } {
  if (info.mode === 'off' || info.daysLeft === null) return { word: 'plain HTTP', tone: 'off' };
  if (info.daysLeft < 0) return { word: 'expired', tone: 'bad' };
  if (info.daysLeft < CERTIFICATE_WARN_DAYS) return { word: `expires in ${info.daysLeft} days`, tone: 'warn' };
  return { word: `valid for ${info.daysLeft} days`, tone: 'ok' };
}
