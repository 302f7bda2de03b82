import crypto from 'node:crypto';
import { secretHintOf } from '../../src-shared/config.js';
import { StudioError } from '../core/errors.js';

/**
 * Destination keys at rest: AES-256-GCM, a random 96-bit IV per value, the destination id as
 * associated data (a sealed key copied onto another row does not open).
 *
 * Where the AES key lives: the OS keychain (Electron safeStorage, libsecret, Keychain, DPAPI) is not
 * available here (the headless host has no Electron, the build machines no D-Bus secret service), so
 * it is a 32-byte secret kept in the studio database (StreamStore.secret('destination-key')). That
 * keeps stream keys out of a copied row, a dump of the destinations table and every log line; it
 * does not protect them from someone holding the whole database file. Keys are never logged (only
 * their keyHint) and never returned by the API.
 */

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A new AES-256 key, as `secret` should return it: 32 random bytes, base64url. */
export function newBoxSecret(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** What the API shows of a key: its last 4 characters, and nothing for a key too short to hide the rest. */
export function keyHintOf(key: string | null): string | null {
  return key === null || key === '' ? null : secretHintOf(key);
}

export class SecretBox {
  private key: Buffer | undefined;

  /** `secret` is read at first use, so that no database secret is created before a key is stored. */
  constructor(private readonly secret: () => string) {}

  /** `v1.<iv>.<tag>.<ciphertext>`, base64url parts. `context` must be given again to open it. */
  seal(plaintext: string, context: string): string {
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.aesKey(), iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  /** Throws StudioError INTERNAL when the value was tampered with, belongs to another context or another secret. */
  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    const [version, ivText, tagText, bodyText] = parts;
    const iv = Buffer.from(ivText ?? '', 'base64url');
    const tag = Buffer.from(tagText ?? '', 'base64url');
    if (parts.length !== 4 || version !== VERSION || iv.length !== IV_BYTES || tag.length !== TAG_BYTES || bodyText === undefined) {
      throw new StudioError('INTERNAL', 'a stored secret (a destination key, password or token) is unreadable (unknown format)');
    }
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', this.aesKey(), iv);
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(bodyText, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new StudioError('INTERNAL', 'a stored secret (a destination key, password or token) could not be decrypted (the database secret changed?): enter it again');
    }
  }

  private aesKey(): Buffer {
    if (this.key) return this.key;
    const key = Buffer.from(this.secret(), 'base64url');
    if (key.length !== 32) throw new StudioError('INTERNAL', `the destination-key secret must be 32 bytes (base64url), got ${key.length}`);
    this.key = key;
    return key;
  }
}
