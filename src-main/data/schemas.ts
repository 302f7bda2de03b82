import protobuf from 'protobufjs';
import { RESERVED_CHANNELS } from '../../src-shared/contract/data.js';
import { channelSchemaSchema, type ChannelSchema } from '../../src-shared/contract/processors.js';
import type { EventBus } from '../core/bus.js';
import { StudioError } from '../core/errors.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import type { Db } from '../store/db.js';
import { StreamDefinitionStore } from '../store/stream-definitions.js';
import type { SchemasPort } from './types.js';

/** How a Protobuf message becomes the channel's JSON: 64-bit integers as numbers, enums by name, bytes as base64, every field present. */
const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: String, bytes: String, defaults: true, arrays: true };

const invalid = (path: string, message: string): StudioError => new StudioError('VALIDATION_FAILED', message, { fields: [{ path, message }] });

/** The message type of a schema, or why there is none (protobufjs's own words, with the line). */
export function compileSchema(schema: ChannelSchema, path: string): protobuf.Type {
  let root: protobuf.Root;
  try {
    root = protobuf.parse(schema.proto, { keepCase: true }).root;
    // Every type a field names must exist (parse alone takes "dubble" for a message declared elsewhere).
    root.resolveAll();
  } catch (error) {
    throw invalid(`${path}.proto`, `channel "${schema.channel}": the schema does not parse: ${(error as Error).message}`);
  }
  try {
    return root.lookupType(schema.message);
  } catch {
    const names: string[] = [];
    const walk = (ns: protobuf.NamespaceBase): void => {
      for (const child of ns.nestedArray) {
        if (child instanceof protobuf.Type) names.push(child.fullName.replace(/^\./, ''));
        if (child instanceof protobuf.Namespace || child instanceof protobuf.Type) walk(child);
      }
    };
    walk(root);
    throw invalid(`${path}.message`, `channel "${schema.channel}": no message "${schema.message}" in the schema (it has: ${names.join(', ') || 'none'})`);
  }
}

/**
 * Protobuf schemas of a stream's channels (SchemasPort): kept in `data_schemas`, compiled with protobufjs
 * when saved. A channel with one takes `application/x-protobuf` bodies (decoded to its JSON), and every
 * message published to it, in any format, must fit its type (SCHEMA_MISMATCH otherwise).
 */
export class ChannelSchemas implements SchemasPort, Service {
  readonly name = 'data-schemas';
  private readonly streams = new Map<string, { defs: ChannelSchema[]; types: Map<string, protobuf.Type> }>();
  private readonly offs: (() => void)[] = [];

  private readonly store: StreamDefinitionStore<ChannelSchema>;

  constructor(private readonly options: { db: Db; bus: Pick<EventBus, 'on'>; logger: Logger }) {
    this.store = new StreamDefinitionStore(options.db, 'data_schemas', 'schemas', channelSchemaSchema);
  }

  start(): void {
    for (const { stream, items } of this.store.all()) {
      try {
        if (items === null) throw new Error('not JSON');
        this.apply(stream, items);
      } catch (error) {
        this.options.logger.warn({ stream, err: error }, 'unreadable channel schemas: the channels take any message');
      }
    }
    this.offs.push(
      this.options.bus.on('streams.changed', (c) => {
        if (c.stream !== null) return;
        this.streams.delete(c.name);
        this.store.delete(c.name);
      }),
    );
  }

  dispose(): void {
    for (const off of this.offs.splice(0)) off();
  }

  definitions(stream: string): ChannelSchema[] {
    return this.streams.get(stream)?.defs ?? [];
  }

  setDefinitions(stream: string, schemas: ChannelSchema[]): ChannelSchema[] {
    this.apply(stream, schemas);
    this.store.put(stream, schemas);
    return schemas;
  }

  has(stream: string, channel: string): boolean {
    return this.streams.get(stream)?.types.has(channel) ?? false;
  }

  /** A Protobuf body as the channel's JSON. */
  decode(stream: string, channel: string, body: Buffer): unknown {
    const type = this.streams.get(stream)?.types.get(channel);
    if (!type) throw new StudioError('UNSUPPORTED_MEDIA_TYPE', `channel "${channel}" has no Protobuf schema (PUT /api/v1/streams/${stream}/data/schemas); send JSON or MessagePack`);
    try {
      return type.toObject(type.decode(body), TO_OBJECT);
    } catch (error) {
      throw new StudioError('BAD_REQUEST', `the body is not a ${type.fullName.replace(/^\./, '')}: ${(error as Error).message}`);
    }
  }

  /** Throws SCHEMA_MISMATCH when the channel has a schema and `data` does not fit it. */
  check(stream: string, channel: string, data: unknown): void {
    const type = this.streams.get(stream)?.types.get(channel);
    if (!type) return;
    const problem = data !== null && typeof data === 'object' && !Array.isArray(data) ? type.verify(data as Record<string, unknown>) : 'an object expected';
    if (problem) throw new StudioError('SCHEMA_MISMATCH', `channel "${channel}" takes ${type.fullName.replace(/^\./, '')} messages: ${problem}`);
  }

  private apply(stream: string, schemas: ChannelSchema[]): void {
    const types = new Map<string, protobuf.Type>();
    for (const [i, schema] of schemas.entries()) {
      if (types.has(schema.channel)) throw invalid(`schemas.${i}.channel`, `channel "${schema.channel}" has two schemas`);
      if ((RESERVED_CHANNELS as readonly string[]).includes(schema.channel)) throw invalid(`schemas.${i}.channel`, `"${schema.channel}" is written by the studio itself`);
      types.set(schema.channel, compileSchema(schema, `schemas.${i}`));
    }
    if (schemas.length === 0) this.streams.delete(stream);
    else this.streams.set(stream, { defs: schemas, types });
  }
}
