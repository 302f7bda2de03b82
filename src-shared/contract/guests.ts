import { z } from 'zod';
import { event, method } from './define.js';
import { streamNameSchema } from './streams.js';

/**
 * Guests of a show: a person called in by link. The producer invites (a link carrying a JWT with
 * `act: "guest"`), the guest opens it in any browser with no account, chooses camera and microphone,
 * and waits in the green room until the producer admits or refuses them; an admitted guest publishes
 * over WHIP and the studio takes them in as a source. The guest's own requests (the page, joining,
 * publishing) are not contract methods: they carry the link's JWT, not a user (src-main/guests/routes.ts).
 */

export const GUEST_ID_RE = /^gst_[a-z0-9]{12}$/;
export const guestIdSchema = z.string().regex(GUEST_ID_RE, 'a guest id looks like gst_ and 12 characters a-z0-9');

/**
 * `invited`: the link exists, nobody opened it yet; `waiting`: in the green room; `admitted`: on the
 * show (may publish); `refused` and `removed` by the producer (with a reason the guest sees); `revoked`:
 * the link was withdrawn. A link past its expiry is `expired` whatever it was.
 */
export const guestStates = ['invited', 'waiting', 'admitted', 'refused', 'removed', 'revoked', 'expired'] as const;
export const guestStateSchema = z.enum(guestStates);
export type GuestState = z.infer<typeof guestStateSchema>;

/** A guest's state now: a link past its expiry is `expired`, whatever was stored (the host and the studio's panel alike). */
export function guestStateAt(guest: { state: GuestState; expiresAt: number }, now: number): GuestState {
  return guest.expiresAt <= now ? 'expired' : guest.state;
}

export const GUEST_NAME_MAX = 60;
/** A guest's name: what the producer typed, then what the guest typed on joining. */
export const guestNameSchema = z.string().trim().min(1, 'required').max(GUEST_NAME_MAX);
/** A reason shown to the guest (refused, removed). */
export const guestReasonSchema = z.string().trim().min(1).max(200);

export const guestSchema = z.object({
  id: guestIdSchema,
  stream: streamNameSchema,
  name: z.string(),
  state: guestStateSchema,
  /** Why they were refused or removed (shown to them), else null. */
  reason: z.string().nullable(),
  /** Their sound is left out of the program (the producer's mute; the guest still hears the show). */
  muted: z.boolean(),
  /** Their picture is left out of the program. */
  hidden: z.boolean(),
  /** Publishing now (their WHIP session is connected). */
  live: z.boolean(),
  /** What their browser sends: a camera, a microphone (a guest who refused the camera is audio-only). */
  media: z.object({ video: z.boolean(), audio: z.boolean() }),
  invitedAt: z.number(),
  /** When they last entered the green room. */
  joinedAt: z.number().nullable(),
  expiresAt: z.number(),
});
export type Guest = z.infer<typeof guestSchema>;

export const GUEST_CHAT_MAX = 500;
/** One line of the private chat between the producer and a guest (kept while the host runs, the last 100). */
export const guestChatLineSchema = z.object({
  seq: z.number().int(),
  from: z.enum(['producer', 'guest']),
  text: z.string(),
  at: z.number(),
});
export type GuestChatLine = z.infer<typeof guestChatLineSchema>;
export const guestChatTextSchema = z.string().trim().min(1, 'say something').max(GUEST_CHAT_MAX);

/** What the guest's page reads about itself (GET /guest/<id>/state with the link's JWT). */
export const guestViewSchema = guestSchema.pick({ id: true, stream: true, name: true, state: true, reason: true, muted: true, hidden: true, expiresAt: true }).extend({
  /** The show is live: the return feed carries its picture (before, the studio's sound only). */
  program: z.boolean(),
  /** The private chat with the producer (the last 100 lines). */
  chat: z.array(guestChatLineSchema),
  /** The host's clock (ms since 1970) as it answered: the page dates its own recording on it. */
  now: z.number(),
  /** The highest number of this guest's takes the host has (their page numbers the next one after it). */
  takes: z.number().int(),
});
export type GuestView = z.infer<typeof guestViewSchema>;

/** Shortest and longest life of a link; a day by default. */
export const GUEST_LINK_MIN_SEC = 60;
export const GUEST_LINK_MAX_SEC = 30 * 86_400;
export const GUEST_LINK_DEFAULT_SEC = 86_400;

/**
 * A guest's own recording (ISO): their browser records their camera and microphone at full quality
 * while they are on the show and uploads it over tus (`/api/v1/uploads`, the link's JWT as the Bearer)
 * as it goes and after the show; each time they come onto the show (a reload, a closed tab reopened) is
 * a new take. tus metadata of a guest's upload: `take` (1, 2, ...), `startedAt` (the host's clock, ms,
 * when its first frame was captured), `filename`, `mimetype`.
 */
export const GUEST_TAKE_MIME_RE = /^(video|audio)\/webm(;.*)?$/;
export const guestTakeSchema = z.object({
  id: z.string().describe('The upload id (its tus URL is /api/v1/uploads/<id>)'),
  guestId: guestIdSchema,
  guestName: z.string(),
  stream: streamNameSchema,
  take: z.number().int().min(1),
  startedAt: z.number().describe("When the take's first frame was captured, on the host's clock (ms since 1970): the show's media clock"),
  mimeType: z.string(),
  state: z.enum(['uploading', 'complete']).describe('complete: the guest sent the whole take'),
  uploadedBytes: z.number().int(),
  sizeBytes: z.number().int().nullable().describe('Known once the take ended'),
  durationSec: z.number().nullable().describe('Once complete'),
  videoId: z.string().nullable().describe('The take in the video library'),
  file: z.string().describe('The original file (full quality, as recorded) under the host, for a producer'),
  program: z
    .array(z.object({ recordingId: z.string(), offsetSec: z.number().describe("Where the take's first frame falls in the program recording (negative: before it began)") }))
    .describe('The program recordings of the show the take overlaps'),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type GuestTake = z.infer<typeof guestTakeSchema>;

const guestRoute = z.object({ stream: streamNameSchema, id: guestIdSchema });

export const guestMethods = {
  'guests.list': method({
    tag: 'guests',
    scope: 'scenes:read',
    summary: "A show's guests: invited, in the green room, on the show, and those whose link ended",
    input: z.object({ stream: streamNameSchema }).strict(),
    output: z.array(guestSchema),
    http: { method: 'GET', path: '/streams/:stream/guests' },
  }),
  'guests.invite': method({
    tag: 'guests',
    scope: 'scenes:write',
    summary: 'A guest link for the show: send the url; its JWT (act "guest") names the stream, the guest and when it ends',
    input: z
      .object({
        stream: streamNameSchema,
        name: guestNameSchema.optional(),
        expiresInSec: z.number().int().min(GUEST_LINK_MIN_SEC).max(GUEST_LINK_MAX_SEC).optional(),
      })
      .strict(),
    output: guestSchema.extend({ url: z.string().describe('The link to send: the page and, after #, its JWT (never sent to a server in a request line)') }),
    http: { method: 'POST', path: '/streams/:stream/guests', status: 201 },
  }),
  'guests.revoke': method({
    tag: 'guests',
    scope: 'scenes:write',
    summary: 'Withdraws a guest link: the page says so, a guest on the show leaves it, nothing joins with it again',
    input: guestRoute.strict(),
    output: guestSchema,
    http: { method: 'DELETE', path: '/streams/:stream/guests/:id' },
  }),
  'guests.admit': method({
    tag: 'guests',
    scope: 'scenes:write',
    summary: 'Lets a guest from the green room onto the show (they start sending their camera and microphone)',
    input: guestRoute.strict(),
    output: guestSchema,
    http: { method: 'POST', path: '/streams/:stream/guests/:id/admit' },
  }),
  'guests.refuse': method({
    tag: 'guests',
    scope: 'scenes:write',
    summary: 'Turns a guest in the green room away, with a reason they see',
    input: guestRoute.extend({ reason: guestReasonSchema.optional() }).strict(),
    output: guestSchema,
    http: { method: 'POST', path: '/streams/:stream/guests/:id/refuse' },
  }),
  'guests.remove': method({
    tag: 'guests',
    scope: 'scenes:write',
    summary: 'Takes a guest off the show (their link ends), with a reason they see',
    input: guestRoute.extend({ reason: guestReasonSchema.optional() }).strict(),
    output: guestSchema,
    http: { method: 'POST', path: '/streams/:stream/guests/:id/remove' },
  }),
  'guests.update': method({
    tag: 'guests',
    scope: 'scenes:write',
    summary: "Mutes or hides a guest in the program (they are told), or renames them",
    input: guestRoute.extend({ name: guestNameSchema.optional(), muted: z.boolean().optional(), hidden: z.boolean().optional() }).strict(),
    output: guestSchema,
    http: { method: 'PATCH', path: '/streams/:stream/guests/:id' },
  }),
  'guests.chat': method({
    tag: 'guests',
    scope: 'scenes:read',
    summary: 'The private chat with a guest (in the green room or on the show): the last 100 lines',
    input: guestRoute.strict(),
    output: z.array(guestChatLineSchema),
    http: { method: 'GET', path: '/streams/:stream/guests/:id/chat' },
  }),
  'guests.say': method({
    tag: 'guests',
    scope: 'scenes:write',
    summary: 'Writes to a guest in the private chat (they read it on their page)',
    input: guestRoute.extend({ text: guestChatTextSchema }).strict(),
    output: guestChatLineSchema,
    http: { method: 'POST', path: '/streams/:stream/guests/:id/chat', status: 201 },
  }),
  'guests.takes': method({
    tag: 'guests',
    scope: 'scenes:read',
    summary: "Each guest's own full-quality recordings (takes) of the show, uploading or complete, placed on the program recordings",
    input: z.object({ stream: streamNameSchema }).strict(),
    output: z.array(guestTakeSchema),
    http: { method: 'GET', path: '/streams/:stream/guest-takes' },
  }),
} as const;

export const guestEvents = {
  'guests.chat': event({
    summary: 'A line of the private chat between the producer and a guest',
    payload: z.object({ stream: streamNameSchema, guestId: guestIdSchema, line: guestChatLineSchema }),
  }),
  'guests.changed': event({
    summary: 'A guest was invited, joined the green room, was admitted, refused, removed, muted or hidden, or started or stopped sending',
    payload: z.object({ guest: guestSchema }),
  }),
} as const;
