import { z } from 'zod';

/** A comma- or space-separated config list as its items. */
export const splitList = (value: string): string[] => value.split(/[\s,]+/).filter((v) => v !== '');

/** Config sections of users, publish/play authorisation, limits, the audit log and TLS (merged into configSchema). */

/** A whole number in [min, max], with the config's wording of a bad one. */
export const int = (min: number, max: number): z.ZodNumber =>
  z
    .number()
    .int('must be a whole number')
    .min(min, `must be between ${min} and ${max}`)
    .max(max, `must be between ${min} and ${max}`);

/** The rule of every URL setting that may be empty (off, or "the host's"). */
export const isHttpUrlOrEmpty = (v: string): boolean => v === '' || /^https?:\/\/\S+$/.test(v);
export const HTTP_URL_OR_EMPTY = 'must be an http(s) URL or empty';

/** An http(s) URL, or empty (off). */
export const optionalHttpUrl = () => z.string().default('').refine(isHttpUrlOrEmpty, HTTP_URL_OR_EMPTY);

/** A bearer credential sent in an Authorization header (RFC 6750's b64token is narrower; any visible ASCII passes through fetch): at most 4096 characters, or empty (none). */
export const isBearerTokenOrEmpty = (v: string): boolean => v.length <= 4096 && /^[\x21-\x7e]*$/.test(v);
export const BEARER_TOKEN_OR_EMPTY = 'must be at most 4096 visible ASCII characters (no spaces), or empty';

export const authConfigSchema = z
  .object({
    jwksUrl: z
      .string()
      .default('')
      .refine((v) => v === '' || /^https?:\/\/\S+$/.test(v), 'must be an http(s) URL or empty')
      .meta({ description: 'JWKS URL of a platform whose JWTs are accepted beside the host\'s own (keys refetched when an unknown kid arrives, at most every 5 s); empty: host-signed JWTs only.' }),
    jwtIssuer: z
      .string()
      .max(256, 'must be at most 256 characters')
      .default('')
      .meta({ description: 'The iss claim a JWKS-verified JWT must carry; empty: not checked.' }),
    jwtAudience: z
      .string()
      .max(256, 'must be at most 256 characters')
      .default('')
      .meta({ description: 'The aud claim a JWKS-verified JWT must carry; empty: not checked.' }),
    webhookUrl: optionalHttpUrl()
      .meta({ description: 'Admission webhook: POSTed {action, stream, protocol, ip, query, credential} for streams whose publishAuth or playAuth is webhook; answers {allow, reason?}.' }),
    webhookToken: z
      .string()
      .default('')
      .refine(isBearerTokenOrEmpty, BEARER_TOKEN_OR_EMPTY)
      .meta({ description: 'The bearer token the host sends to webhookUrl (Authorization: Bearer), so that the webhook answers this host only; empty: none. Shown only as its last 4 characters.', secret: true }),
    webhookTimeoutMs: int(100, 30000)
      .default(2000)
      .meta({ description: 'How long the admission webhook may take before webhookFailure applies.' }),
    webhookFailure: z
      .enum(['deny', 'allow'])
      .default('deny')
      .meta({ description: 'What a webhook that times out, fails or answers garbage decides.' }),
    webhookCacheSeconds: int(0, 3600)
      .default(30)
      .meta({ description: 'How long an answer of the webhook is reused for the same action, stream, IP and credential; 0: asked every time.' }),
    failedAuthDelayMs: int(0, 5000)
      .default(300)
      .meta({ description: 'Most of the random delay added to every failed authentication (at least a third of it).' }),
    inviteTtlHours: int(1, 720).default(168).meta({ description: 'How long an invitation link works.' }),
  })
  .strict()
  .prefault({});

export const limitsConfigSchema = z
  .object({
    apiPerMinute: int(0, 1_000_000)
      .default(6000)
      .meta({ description: 'API calls per minute per token (or per address without one); 0: no limit.' }),
    loginPerMinute: int(0, 10_000)
      .default(30)
      .meta({ description: 'Sign-in attempts per minute per address; 0: no limit.' }),
    uploadPerMinute: int(0, 1_000_000)
      .default(600)
      .meta({ description: 'Upload requests (tus) per minute per token or address; 0: no limit.' }),
    failedAuthPerMinute: int(1, 10_000)
      .default(20)
      .meta({ description: "Failed authentications per minute from one address (on any port), or at one account's password from anywhere but loopback, before further guesses are answered 429 with Retry-After; a valid token, session or stream key is still served." }),
    connectionsPerIp: int(0, 100_000)
      .default(64)
      .meta({ description: 'Open RTMP, SRT and WebRTC connections per address; 0: no limit.' }),
    maxViewersPerStream: int(0, 1_000_000)
      .default(0)
      .meta({ description: 'Viewers of one stream at once over every protocol, unless the stream sets its own; 0: no limit.' }),
    allowedOrigins: z
      .string()
      .max(4000, 'must be at most 4000 characters')
      .default('')
      .refine((v) => splitList(v).every((o) => /^(\*|https?:\/\/[^/\s,]+)$/.test(o)), 'must be origins like https://example.com, separated by commas')
      .meta({ description: 'Sites that may embed playback, separated by commas (Origin/Referer checked on playlists, manifests and WHEP); empty: any site.' }),
  })
  .strict()
  .prefault({});

export const auditConfigSchema = z
  .object({
    retentionDays: int(1, 3650).default(90).meta({ description: 'How long audit log entries are kept.' }),
  })
  .strict()
  .prefault({});

export const backupConfigSchema = z
  .object({
    everyHours: int(0, 720)
      .default(24)
      .meta({ description: 'Back the home up every this many hours (database, config, tokens, certificates); 0 never.' }),
    keep: int(1, 1000).default(7).meta({ description: 'Scheduled and manual backups kept; the oldest go first.' }),
    dir: z.string().default('').meta({ description: 'Folder of the backups; empty means "backups" in the studio home.' }),
    media: z.boolean().default(false).meta({ description: 'Put the recordings and the video library in the backups too (they can be large).' }),
  })
  .strict()
  .prefault({});

export const tlsConfigSchema = z
  .object({
    selfSigned: z
      .boolean()
      .default(false)
      .meta({ description: 'Serve HTTPS and RTMPS with a certificate from the host\'s own certificate authority (for a LAN), unless http.tlsCert is set.', restart: true }),
    names: z
      .string()
      .max(4000, 'must be at most 4000 characters')
      .default('')
      .meta({ description: 'Host names and addresses the issued certificate covers, separated by commas, beside localhost, 127.0.0.1 and the machine name.', restart: true }),
  })
  .strict()
  .prefault({});
