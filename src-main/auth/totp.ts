import { generateSecret, generateSync, generateURI, verifySync } from 'otplib';

/** TOTP (RFC 6238: SHA-1, 6 digits, 30 s) as authenticator apps speak it. */
export const newTotpSecret = (): string => generateSecret();

export const totpUri = (secret: string, account: string, issuer: string): string => generateURI({ secret, label: account, issuer });

/** The current code (tests, and nothing else, need it). */
export const totpCode = (secret: string, epochSec?: number): string => generateSync(epochSec === undefined ? { secret } : { secret, epoch: epochSec });

/**
 * The time step `code` is valid for (one step of clock drift either way), or null. Each step may be
 * used once: the caller keeps the last used step and refuses a code at or before it (replays).
 */
export function checkTotp(secret: string, code: string, lastStep: number | null, epochSec?: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const result = verifySync({ secret, token: code, epochTolerance: 30, ...(epochSec === undefined ? {} : { epoch: epochSec }) }) as { valid: boolean; timeStep?: number };
  if (!result.valid || result.timeStep === undefined) return null;
  if (lastStep !== null && result.timeStep <= lastStep) return null;
  return result.timeStep;
}
