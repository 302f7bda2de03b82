import crypto from 'node:crypto';

/**
 * AES-128 content keys of low-latency streams (HLS METHOD=AES-128, RFC 8216bis 4.4.4.4 and 5.2).
 *
 * Keys are derived, not stored: key = HMAC-SHA256(host master secret, stream + kid), first 16 bytes.
 * A kid is 32 hex digits: the live run's random epoch (16) and the key period (16), so a key survives a
 * host restart for whatever is still on disk, and a new live run of the stream never reuses one.
 * A segment's key period is its media sequence number over the rotation (every N segments a new
 * EXT-X-KEY); its parts share it. The IV is the media sequence number (the tag has no IV attribute),
 * so every part of a segment and the whole segment are each encrypted from that IV, as players decrypt
 * them (each part is fetched and decrypted by itself). Initialization sections stay clear.
 */

export const KID_RE = /^([0-9a-f]{16})([0-9a-f]{16})$/;

export interface KeyPeriod {
  epoch: string;
  period: number;
}

/** A fresh epoch for a live run: 8 random bytes in hex. */
export const newKeyEpoch = (): string => crypto.randomBytes(8).toString('hex');

export const kidOf = (epoch: string, period: number): string => `${epoch}${period.toString(16).padStart(16, '0')}`;

/** The epoch and period of a kid, or null when it is not one. */
export function parseKid(kid: string): KeyPeriod | null {
  const m = KID_RE.exec(kid);
  if (!m) return null;
  const period = Number.parseInt(m[2]!, 16);
  return Number.isSafeInteger(period) ? { epoch: m[1]!, period } : null;
}

/** The key period of segment `msn` when keys rotate every `rotation` segments. */
export const keyPeriodOf = (msn: number, rotation: number): number => Math.floor(msn / Math.max(1, rotation));

/** The 16-byte content key of `stream`'s `kid`. */
export function contentKey(master: string, stream: string, kid: string): Buffer {
  return crypto.createHmac('sha256', master).update(`aes-128\n${stream}\n${kid}`).digest().subarray(0, 16);
}

/** The implicit IV of a segment (RFC 8216bis 5.2): its media sequence number, big-endian, in 16 bytes. */
export function ivOf(msn: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(msn), 8);
  return iv;
}

/** `data` encrypted with AES-128-CBC and PKCS#7 padding, as one HLS resource. */
export function encryptResource(key: Buffer, msn: number, data: Buffer): Buffer {
  const cipher = crypto.createCipheriv('aes-128-cbc', key, ivOf(msn));
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

/** `data` encrypted with AES-128-CBC and PKCS#7 padding from an explicit IV (an EXT-X-KEY with an IV attribute). */
export function encryptWithIv(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const cipher = crypto.createCipheriv('aes-128-cbc', key, iv);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

/** A streaming cipher for a resource sent while it is written (the same bytes `encryptResource` makes). */
export const resourceCipher = (key: Buffer, msn: number): crypto.Cipher => crypto.createCipheriv('aes-128-cbc', key, ivOf(msn));

/**
 * Where content keys come from when the host does not make them (`live.keyProviderUrl`): a platform's
 * key service (a CPIX-style exchange), asked once per key with `{stream, kid, method: "AES-128"}` and
 * answering `{"key": "<16 bytes, base64>"}`.
 */
export interface KeyProvider {
  key(stream: string, kid: string, method?: KeyMethod): Promise<Buffer | ProvidedKey>;
}

/**
 * A DRM system's signalling of a cbcs key, as a key provider gives it (CPIX's DRMSystem): written as it
 * comes into the init sections (`pssh`), the MPD (a ContentProtection with `cenc:pssh` and, when given,
 * `dashif:Laurl`) and the HLS playlists (an `EXT-X-KEY` with `hls`'s attributes).
 */
export interface DrmSystem {
  /** 32 lower-case hex digits. */
  systemId: string;
  /** The whole `pssh` box. */
  pssh: Buffer;
  laUrl?: string;
  /** EXT-X-KEY attributes, e.g. `METHOD=SAMPLE-AES,URI="skd://...",KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1"`. */
  hls?: string;
}

export interface ProvidedKey {
  key: Buffer;
  systems: DrmSystem[];
}

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const HLS_KEY_RE = /^METHOD=SAMPLE-AES(?:-CTR)?,[\x20-\x7e]+$/;

/** The DRM systems of a provider's answer (absent: none); throws what is wrong with one. */
export function parseDrmSystems(value: unknown): DrmSystem[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > 8) throw new Error('"systems" is not a list of at most 8 DRM systems');
  return value.map((entry: unknown, i) => {
    const e = (entry ?? {}) as Record<string, unknown>;
    const id = typeof e.systemId === 'string' && UUID_RE.test(e.systemId) ? e.systemId.replaceAll('-', '').toLowerCase() : null;
    if (!id) throw new Error(`systems[${i}].systemId is not a UUID`);
    const pssh = typeof e.pssh === 'string' ? Buffer.from(e.pssh, 'base64') : Buffer.alloc(0);
    // A full box: size, "pssh", version and flags, then the system id.
    if (pssh.length < 32 || pssh.readUInt32BE(0) !== pssh.length || pssh.toString('latin1', 4, 8) !== 'pssh' || pssh.toString('hex', 12, 28) !== id) {
      throw new Error(`systems[${i}].pssh is not a pssh box (in base64) of system ${id}`);
    }
    const system: DrmSystem = { systemId: id, pssh };
    if (e.laUrl !== undefined) {
      if (typeof e.laUrl !== 'string' || !/^https?:\/\/[\x21-\x7e]+$/.test(e.laUrl)) throw new Error(`systems[${i}].laUrl is not an http(s) URL`);
      system.laUrl = e.laUrl;
    }
    if (e.hls !== undefined) {
      if (typeof e.hls !== 'string' || !HLS_KEY_RE.test(e.hls)) throw new Error(`systems[${i}].hls is not EXT-X-KEY attributes starting METHOD=SAMPLE-AES`);
      system.hls = e.hls;
    }
    return system;
  });
}

/** How a run's keys are used: whole resources (HLS AES-128), or Common Encryption's cbcs samples (DASH, EME). */
export type EncryptionScheme = 'aes-128' | 'cbcs';
/** The `method` a key provider is told: `AES-128` or `SAMPLE-AES` (cbcs). */
export type KeyMethod = 'AES-128' | 'SAMPLE-AES';

/**
 * A key provider over HTTP: POST JSON, `timeoutMs` for the whole answer, `token` (when not '') as
 * `Authorization: Bearer` so the provider gives keys to the host alone; rejects with what went wrong
 * (a 401 or 403 names the token).
 */
export function httpKeyProvider(url: string, timeoutMs: number, token = ''): KeyProvider {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (token !== '') headers.authorization = `Bearer ${token}`;
  return {
    async key(stream, kid, method = 'AES-128') {
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers,
          body: JSON.stringify({ stream, kid, method }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const name = (error as Error).name;
        throw new Error(name === 'TimeoutError' || name === 'AbortError' ? `the key provider did not answer in ${timeoutMs} ms` : `the key provider is unreachable (${(error as Error).message})`, { cause: error });
      }
      const text = await res.text().catch(() => '');
      if (res.status === 401 || res.status === 403) {
        throw new Error(`the key provider refused the host (${res.status}) for key ${kid}: ${token === '' ? 'it may want a token (keyProviderToken)' : 'check its token (keyProviderToken)'}`);
      }
      if (!res.ok) throw new Error(`the key provider answered ${res.status} for key ${kid}`);
      let key: Buffer | null = null;
      let body: { key?: unknown; systems?: unknown } = {};
      try {
        body = JSON.parse(text) as typeof body;
        if (typeof body.key === 'string') key = Buffer.from(body.key, 'base64');
      } catch {
        key = null;
      }
      if (!key || key.length !== 16) throw new Error(`the key provider's answer for key ${kid} is not {"key": "<16 bytes in base64>"}`);
      if (body.systems === undefined) return key;
      try {
        return { key, systems: parseDrmSystems(body.systems) };
      } catch (error) {
        throw new Error(`the key provider's answer for key ${kid}: ${(error as Error).message}`, { cause: error });
      }
    },
  };
}

/**
 * How one live run of a stream encrypts: its epoch, rotation and keys (kept, 16 bytes each, for the
 * periods asked for), and its encrypted parts and segments, made once for every viewer and edge.
 * Keys are derived from the host's secret, or asked of a `provider`: then `ready(period)` must have
 * said yes before anything of that period is encrypted (the routes wait for it; nothing goes clear),
 * and it asks for the next period's key ahead, so that a rotation waits for nobody.
 */
export class RunEncryption {
  private readonly keys = new Map<number, Buffer>();
  private readonly made = new WeakMap<object, Buffer>();
  private readonly asking = new Map<number, Promise<boolean>>();
  private readonly drm = new Map<number, DrmSystem[]>();

  constructor(
    readonly stream: string,
    readonly epoch: string,
    readonly rotation: number,
    private readonly master: string,
    private readonly provider: KeyProvider | null = null,
    private readonly onProviderError: (error: Error, period: number) => void = () => undefined,
    /** cbcs: the init sections name period 0's key; later periods' fragments name theirs (`seig`); `rotation` 0: one key per run. */
    readonly scheme: EncryptionScheme = 'aes-128',
  ) {}

  /** Whether keys change within the run (cbcs may keep one, AES-128 always rotates). */
  get rotates(): boolean {
    return this.scheme === 'aes-128' || this.rotation > 0;
  }

  periodOf(msn: number): number {
    return this.rotates ? keyPeriodOf(msn, this.rotation) : 0;
  }

  /** A cbcs run's constant IV (public: it is in every init section), one per run. */
  get constantIv(): Buffer {
    return crypto.createHash('sha256').update(`cbcs iv\n${this.stream}\n${this.epoch}`).digest().subarray(0, 16);
  }

  kidOf(msn: number): string {
    return kidOf(this.epoch, this.periodOf(msn));
  }

  /** Whether the key of `period` is at hand (asked of the provider when there is one; its next one asked ahead). */
  async ready(period: number): Promise<boolean> {
    if (!this.provider) return true;
    if (!this.keys.has(period + 1)) void this.ask(period + 1);
    return this.keys.has(period) || this.ask(period);
  }

  /** The provider's key of `period`, asked once at a time; a failure is said and asked again next time. */
  async prepare(period: number): Promise<void> {
    if (!this.provider || this.keys.has(period)) return;
    await this.provider.key(this.stream, kidOf(this.epoch, period), this.scheme === 'cbcs' ? 'SAMPLE-AES' : 'AES-128').then((given) => {
      if (Buffer.isBuffer(given)) return this.remember(period, given);
      this.remember(period, given.key);
      this.drm.set(period, given.systems);
    });
  }

  private ask(period: number): Promise<boolean> {
    let asked = this.asking.get(period);
    if (!asked) {
      asked = this.prepare(period).then(
        () => true,
        (error: Error) => {
          this.onProviderError(error, period);
          return false;
        },
      );
      asked.finally(() => this.asking.delete(period)).catch(() => undefined);
      this.asking.set(period, asked);
    }
    return asked;
  }

  private remember(period: number, key: Buffer): void {
    this.keys.set(period, key);
    // A long run keeps the keys of its last periods only (older ones are derived or asked again).
    if (this.keys.size > 64) this.keys.delete(this.keys.keys().next().value!);
  }

  /** The DRM systems the provider gave with the key of `period` (cbcs: written beside ClearKey's). */
  systemsOf(period: number): readonly DrmSystem[] {
    return this.drm.get(period) ?? [];
  }

  /** The key of `period`; with a provider, only once `ready(period)` has said yes. */
  keyOf(period: number): Buffer {
    let key = this.keys.get(period);
    if (!key) {
      if (this.provider) throw new Error(`the key of period ${period} has not come from the key provider`);
      key = contentKey(this.master, this.stream, kidOf(this.epoch, period));
      this.remember(period, key);
    }
    return key;
  }

  /** `data` of segment `msn` encrypted, not kept (a file read from disk). */
  encryptOnce(msn: number, data: Buffer): Buffer {
    return encryptResource(this.keyOf(this.periodOf(msn)), msn, data);
  }

  /** `data` of segment `msn` (a part or the whole segment), encrypted; kept per `owner` (its buffer or record). */
  encrypt(owner: object, msn: number, data: Buffer): Buffer {
    let out = this.made.get(owner);
    if (!out) {
      out = this.encryptOnce(msn, data);
      this.made.set(owner, out);
    }
    return out;
  }
}
