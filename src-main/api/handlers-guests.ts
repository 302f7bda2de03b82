import type { GuestService } from '../guests/guest-service.js';
import type { GuestTakes } from '../guests/takes.js';
import type { Handlers } from './dispatch.js';

type GuestMethod = 'guests.list' | 'guests.invite' | 'guests.revoke' | 'guests.admit' | 'guests.refuse' | 'guests.remove' | 'guests.update' | 'guests.chat' | 'guests.say' | 'guests.takes';

/** Handlers of a show's guests (the producer's side; the guest's own requests are guests/routes.ts). */
export function guestHandlers(guests: GuestService, takes: Pick<GuestTakes, 'list'>): Pick<Handlers, GuestMethod> {
  return {
    'guests.list': ({ stream }) => guests.list(stream),
    'guests.invite': (input, ctx) => guests.invite(input, ctx.baseUrl ?? 'http://127.0.0.1'),
    'guests.revoke': ({ stream, id }) => guests.revoke(stream, id),
    'guests.admit': ({ stream, id }) => guests.admit(stream, id),
    'guests.refuse': ({ stream, id, reason }) => guests.refuse(stream, id, reason),
    'guests.remove': ({ stream, id, reason }) => guests.remove(stream, id, reason),
    'guests.update': (input) => guests.update(input),
    'guests.chat': ({ stream, id }) => guests.chat(stream, id),
    'guests.say': ({ stream, id, text }) => guests.say(stream, id, text),
    'guests.takes': ({ stream }) => (guests.requireStream(stream), takes.list(stream)),
  };
}
