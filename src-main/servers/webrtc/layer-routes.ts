import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import { z } from 'zod';
import { StudioError } from '../../core/errors.js';
import type { LayerState } from './server.js';

/**
 * The WHEP layer extension (draft-ietf-wish-whep, "urn:ietf:params:whep:ext:core:layer"): a viewer of
 * a simulcast publisher chooses which encoding it receives.
 *   GET  <Location>/layer                         -> 200 {layers: [{encodingId, active, width, height, bitrate}], current, wanted}
 *   POST <Location>/layer {encodingId, mediaId?}  -> 200 the same, once asked (the switch comes at that
 *                                                    encoding's next keyframe); encodingId null: the default
 * The 201 of such a viewer names it in a Link header.
 */
export const LAYER_REL = 'urn:ietf:params:whep:ext:core:layer';

/** The Link header value of a session at `location` whose layer may be chosen. */
export function layerLink(location: string): string {
  return `<${location}/layer>; rel="${LAYER_REL}"`;
}

const layerBody = z.object({ mediaId: z.string().max(64).optional(), encodingId: z.string().max(16).nullable().optional() }).strict();

export interface LayerRoutesOptions {
  /** The Location path with its parameters (`/live/:name/:kind/:id`). */
  url: string;
  /** The session id of the request's Location, or NOT_FOUND. */
  sessionOf(req: FastifyRequest): string;
  server: { layers(id: string): LayerState; selectLayer(id: string, encodingId: string | null): LayerState };
  fail(reply: FastifyReply, error: unknown): FastifyReply;
  /** Who may choose (checked before the body is read). */
  onRequest?: RouteShorthandOptions['onRequest'];
}

export function addLayerRoutes(scope: FastifyInstance, options: LayerRoutesOptions): void {
  const { server, fail } = options;
  const route = { ...(options.onRequest ? { onRequest: options.onRequest } : {}), bodyLimit: 1024 };
  scope.get(`${options.url}/layer`, route, async (req, reply) => {
    try {
      return reply.header('Cache-Control', 'no-store').send(server.layers(options.sessionOf(req)));
    } catch (error) {
      return fail(reply, error);
    }
  });
  scope.post(`${options.url}/layer`, route, async (req, reply) => {
    try {
      const id = options.sessionOf(req);
      if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) throw new StudioError('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
      const body = layerBody.safeParse(req.body ?? {});
      if (!body.success) throw StudioError.validation(body.error, 'layer choice');
      return reply.header('Cache-Control', 'no-store').send(server.selectLayer(id, body.data.encodingId ?? null));
    } catch (error) {
      return fail(reply, error);
    }
  });
}
