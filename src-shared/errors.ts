import { z } from 'zod';

/**
 * Every error that crosses a transport carries one of these codes. The UI maps codes to words
 * through `error-catalogue.ts`; clients branch on codes, never on messages.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: 400,
  BAD_REQUEST: 400,
  BODY_REQUIRED: 400,
  UNAUTHORIZED: 401,
  LOGIN_CODE_INVALID: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  NOT_IMPLEMENTED_ON_OS: 501,
  UNAVAILABLE: 503,
  // Start-up faults: the host prints one line and exits 2.
  CONFIG_INVALID: 500,
  PORT_IN_USE: 500,
  HOME_UNWRITABLE: 500,
  HOME_LOCKED: 500,
  HOME_TOO_NEW: 500,
  HOME_UNRECOGNISED: 500,
  // Backup and restore (`streams backup`, `streams restore`, the scheduled backups).
  BACKUP_INVALID: 422,
  HOME_NOT_EMPTY: 409,
  INSECURE_BIND: 500,
  // Media tooling.
  FFMPEG_NOT_FOUND: 503,
  FFMPEG_FAILED: 500,
  FFMPEG_FEATURE_MISSING: 501,
  // OBS control.
  OBS_AUTH_FAILED: 400,
  OBS_NOT_CONNECTED: 503,
  OBS_REQUEST_FAILED: 502,
  // WebRTC (WHIP/WHEP).
  SDP_INVALID: 400,
  SDP_TOO_LARGE: 413,
  CODEC_UNSUPPORTED: 422,
  STREAM_OFFLINE: 404,
  ICE_RESTART_UNSUPPORTED: 422,
  LAYER_UNAVAILABLE: 422,
  // Remote desktop.
  DISPLAY_LIMIT_REACHED: 409,
  DISPLAY_FAILED: 500,
  PAIRING_CODE_INVALID: 401,
  REMOTE_TOKEN_INVALID: 401,
  CAPTURE_UNAVAILABLE: 503,
  CAPTURE_REFUSED: 403,
  CAPTURE_FAILED: 502,
  RDP_UNAVAILABLE: 503,
  RDP_FAILED: 502,
  RDP_AUTH_FAILED: 422,
  RDP_CERTIFICATE: 502,
  RDP_UNREACHABLE: 502,
  // Video library.
  CHECKSUM_MISMATCH: 460,
  MEDIA_INVALID: 422,
  INSUFFICIENT_STORAGE: 507,
  // Live data and chat.
  CHANNEL_RESERVED: 403,
  SCHEMA_MISMATCH: 400,
  NO_AUDIO: 400,
  CHANNEL_LIMIT: 409,
  CHAT_BANNED: 403,
  CHAT_SLOW_MODE: 429,
  CHAT_FILTERED: 422,
  CHAT_CLOSED: 403,
  // Users, tokens, publish and play authorisation.
  INVALID_CREDENTIALS: 401,
  TOTP_REQUIRED: 401,
  TOTP_INVALID: 401,
  INVITE_INVALID: 401,
  TOKEN_EXPIRED: 401,
  JWT_INVALID: 401,
  ADMISSION_DENIED: 403,
  ORIGIN_FORBIDDEN: 403,
  LAST_OWNER: 409,
  STREAM_FULL: 503,
  CONNECTION_LIMIT: 429,
  // The studio.
  SCENE_FILE_INVALID: 400,
  // Guests.
  GUEST_LINK_ENDED: 410,
  GUEST_NOT_ADMITTED: 403,
  // Edge functions.
  FUNCTION_INVALID: 400,
  ROLLOUT_FAILED: 502,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export const errorCodeSchema = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]);

/** One invalid field: `path` is dotted (`http.port`), as in the config file and the API input. */
export const fieldIssueSchema = z.object({
  path: z.string(),
  message: z.string(),
});
export type FieldIssue = z.infer<typeof fieldIssueSchema>;

export const studioErrorSchema = z.object({
  code: errorCodeSchema,
  message: z.string(),
  details: z
    .object({
      fields: z.array(fieldIssueSchema).optional(),
    })
    .catchall(z.unknown())
    .optional(),
});

/** The plain-object form of an error, as it travels over IPC, HTTP and WebSocket. */
export type StudioErrorShape = z.infer<typeof studioErrorSchema>;

export function isStudioErrorShape(value: unknown): value is StudioErrorShape {
  return studioErrorSchema.safeParse(value).success;
}

export function httpStatusOf(code: ErrorCode): number {
  return ERROR_CODES[code];
}

/** Turns zod issues into dotted field paths, the form the UI shows next to each field. */
export function fieldIssuesFromZod(error: z.ZodError, prefix: readonly (string | number)[] = []): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      // One entry per unknown key, so that each can be shown where it was typed.
      return issue.keys.map((key) => ({ path: [...path, key].join('.'), message: `unknown key "${key}"` }));
    }
    if (message.startsWith('Invalid input: ')) message = message.slice('Invalid input: '.length);
    return [{ path: path.join('.'), message }];
  });
}
