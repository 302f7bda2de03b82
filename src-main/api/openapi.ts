import { z } from 'zod';
import { events, methods, API_PREFIX, WS_EVENTS_PATH } from '../../src-shared/contract/index.js';
import { studioErrorSchema } from '../../src-shared/errors.js';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete out.$schema;
  return out;
}

/** Converts `/streams/:name` to `/streams/{name}` and lists the params. */
export function openApiPath(path: string): { path: string; params: string[] } {
  const params: string[] = [];
  const converted = path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => {
    params.push(name);
    return `{${name}}`;
  });
  return { path: API_PREFIX + converted, params };
}

/** The OpenAPI 3.1 document of the HTTP API, generated from the contract alone (pure). */
export function buildOpenApi(version: string): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  const errorResponse = {
    description: 'A StudioError',
    content: { 'application/json': { schema: { type: 'object', properties: { error: jsonSchema(studioErrorSchema, 'output') } } } },
  };
  for (const [name, def] of Object.entries(methods)) {
    const { path, params } = openApiPath(def.http.path);
    const input = jsonSchema(def.input, 'input');
    const verb = def.http.method.toLowerCase();
    const operation: Record<string, unknown> = {
      operationId: name,
      summary: def.summary,
      description: def.public
        ? `Open to viewers; a studio caller with \`${def.scope}\` is treated as the studio.`
        : `Needs the \`${def.scope}\` scope (a role or API token that grants it)${/^\/streams\/:name(\/|$)/.test(def.http.path) ? '; a token limited to some streams may name only those' : ''}.`,
      'x-required-scope': def.scope,
      tags: [def.tag],
      ...(def.public ? { security: [{}, { bearer: [] }, { session: [] }] } : {}),
      parameters: params.map((p) => ({ name: p, in: 'path', required: true, schema: { type: 'string' } })),
      responses: {
        [String(def.http.status ?? 200)]: {
          description: 'OK',
          content: { 'application/json': { schema: jsonSchema(def.output, 'output') } },
        },
        '400': errorResponse,
        '401': errorResponse,
        '403': { ...errorResponse, description: `FORBIDDEN: the caller lacks ${def.scope}` },
        default: errorResponse,
      },
    };
    const properties = (input.properties ?? {}) as Record<string, unknown>;
    if (def.http.method === 'GET' || def.http.method === 'DELETE') {
      for (const [key, schema] of Object.entries(properties)) {
        if (params.includes(key)) continue;
        (operation.parameters as unknown[]).push({ name: key, in: 'query', required: false, schema });
      }
    } else {
      operation.requestBody = { required: false, content: { 'application/json': { schema: input } } };
    }
    paths[path] = { ...paths[path], [verb]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Streams Studio API',
      version,
      description:
        `Every method also exists over Electron IPC. Events are pushed over the WebSocket at ${WS_EVENTS_PATH} ` +
        'as {"type":"event","event":NAME,"data":PAYLOAD}; their payload schemas are under x-events.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'The api-token file in the studio home (the owner), or a user\'s API token (st_..., scoped)' },
        session: { type: 'apiKey', in: 'cookie', name: 'streams_session' },
      },
    },
    security: [{ bearer: [] }, { session: [] }],
    paths,
    'x-events': Object.fromEntries(
      Object.entries(events).map(([name, def]) => [name, { summary: def.summary, payload: jsonSchema(def.payload, 'output') }]),
    ),
  };
}
