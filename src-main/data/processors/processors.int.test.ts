import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataMessage } from '../../../src-shared/contract/data.js';
import type { ProcessorStatus } from '../../../src-shared/contract/processors.js';
import { api, startHost, type HostProcess } from '../../../test-support/host-process.js';
import { waitFor } from '../../../test-support/wait.js';
import { openSocket } from '../../../test-support/ws.js';

// Processors in a real host process: a join of two channels checked message by message, a filter and map
// whose output a WebSocket subscriber receives, and a bad pipeline refused naming its step.
describe('data processors on the host', () => {
  let host: HostProcess;
  let key: string;
  beforeAll(async () => {
    host = await startHost();
    const created = await api(host, 'POST', '/api/v1/streams', { name: 'shop', ladder: 'passthrough' });
    expect(created.status).toBe(201);
    key = created.json.key as string;
  });
  afterAll(async () => {
    expect(await host?.stop()).toBe(0);
  });

  const messages = async (channel: string): Promise<DataMessage[]> => (await api(host, 'GET', `/api/v1/streams/shop/data/${channel}/messages?limit=5000`)).json.messages as DataMessage[];

  it('joins orders and payments by order id within a window: every pair out once, with its two messages', async () => {
    const put = await api(host, 'PUT', '/api/v1/streams/shop/data/processors', {
      processors: [
        { id: 'paid', input: { join: { left: 'orders', right: 'payments', leftKey: 'id', rightKey: 'order', withinMs: 60_000 } }, steps: [], output: 'paid' },
        { id: 'big', input: 'paid', steps: [{ op: 'filter', all: [{ field: 'right.eur', op: 'gte', value: 50 }] }, { op: 'map', fields: { order: 'key', item: 'left.item', eur: 'right.eur', via: { value: 'processor' } } }], output: 'big-orders' },
      ],
    });
    expect(put.status).toBe(200);
    const sub = await openSocket(`${host.url}/api/v1/streams/shop/data/big-orders/ws?key=${key}`);
    const big: DataMessage[] = [];
    sub.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as { message?: DataMessage };
      if (frame.message) big.push(frame.message);
    });
    const orders = await openSocket(`${host.url}/api/v1/streams/shop/data/orders/ws?key=${key}`);
    const payments = await openSocket(`${host.url}/api/v1/streams/shop/data/payments/ws?key=${key}`);
    // 100 orders; payments for the odd ones (one of them twice), in an order of their own, and one for an order never made.
    for (let id = 1; id <= 100; id++) orders.send(JSON.stringify({ type: 'publish', data: { id, item: `item-${id}` } }));
    await waitFor('100 orders', async () => (await messages('orders')).length === 100, 10_000, 50);
    const paidIds = Array.from({ length: 50 }, (_, i) => 99 - 2 * i);
    for (const id of [...paidIds, 7, 1000]) payments.send(JSON.stringify({ type: 'publish', data: { order: id, eur: id } }));
    await waitFor('51 pairs', async () => (await messages('paid')).length === 51, 10_000, 50);
    const paid = await messages('paid');
    const expected = [...paidIds, 7].map((id) => ({ key: id, left: { id, item: `item-${id}` }, right: { order: id, eur: id } }));
    expect(paid.map((m) => m.data)).toEqual(expected);
    expect(paid.map((m) => m.seq)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
    expect(paid[0]!.source).toMatchObject({ kind: 'processor', transport: 'internal' });
    // The second processor reads the first's output: odd orders of 50 EUR or more.
    const bigIds = paidIds.filter((id) => id >= 50);
    await waitFor('the big orders on the socket', () => big.length === bigIds.length, 10_000, 50);
    expect(big.map((m) => m.data)).toEqual(bigIds.map((id) => ({ order: id, item: `item-${id}`, eur: id, via: 'processor' })));
    const status = (await api(host, 'GET', '/api/v1/streams/shop/data/processors')).json.status as ProcessorStatus[];
    expect(status).toEqual([
      { id: 'paid', in: 152, out: 51, errors: 0, lastError: null },
      { id: 'big', in: 51, out: bigIds.length, errors: 0, lastError: null },
    ]);
    for (const ws of [sub, orders, payments]) ws.close();
  });

  it('refuses a bad pipeline naming the step, and changes nothing', async () => {
    const res = await api(host, 'PUT', '/api/v1/streams/shop/data/processors', {
      processors: [{ id: 'x', input: 'orders', steps: [{ op: 'map', fields: { a: 'id' } }, { op: 'filter', all: [{ field: 'a', op: 'lt', value: 'ten' }] }], output: 'small' }],
    });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'VALIDATION_FAILED', message: 'processor "x", step 2 (filter): "lt" compares with a number' });
    expect(JSON.stringify(res.json.error)).toContain('processors.0.steps.1.all.0.value');
    const unknownOp = await api(host, 'PUT', '/api/v1/streams/shop/data/processors', { processors: [{ id: 'x', input: 'orders', steps: [{ op: 'reduce' }], output: 'o' }] });
    expect(unknownOp.status).toBe(400);
    const kept = (await api(host, 'GET', '/api/v1/streams/shop/data/processors')).json.processors as { id: string }[];
    expect(kept.map((p) => p.id)).toEqual(['paid', 'big']);
  });

  it('a channel with a Protobuf schema takes application/x-protobuf bodies as JSON and refuses what does not fit, in any format', async () => {
    const proto = 'syntax = "proto3";\npackage telemetry;\nmessage Reading {\n  string room = 1;\n  double temp = 2;\n  int64 at = 3;\n  repeated string tags = 4;\n}\n';
    const bad = await api(host, 'PUT', '/api/v1/streams/shop/data/schemas', { schemas: [{ channel: 'readings', proto: proto.replace('temp = 2;', 'temp = 2'), message: 'telemetry.Reading' }] });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/^channel "readings": the schema does not parse: .*line 6/);
    const typo = await api(host, 'PUT', '/api/v1/streams/shop/data/schemas', { schemas: [{ channel: 'readings', proto: proto.replace('double temp', 'dubble temp'), message: 'telemetry.Reading' }] });
    expect(typo.status).toBe(400);
    expect(typo.json.error.message).toMatch(/dubble/);
    const missing = await api(host, 'PUT', '/api/v1/streams/shop/data/schemas', { schemas: [{ channel: 'readings', proto, message: 'telemetry.Readings' }] });
    expect(missing.status).toBe(400);
    expect(missing.json.error.message).toBe('channel "readings": no message "telemetry.Readings" in the schema (it has: telemetry.Reading)');
    expect(JSON.stringify(missing.json.error)).toContain('schemas.0.message');
    const put = await api(host, 'PUT', '/api/v1/streams/shop/data/schemas', { schemas: [{ channel: 'readings', proto, message: 'telemetry.Reading' }] });
    expect(put.status).toBe(200);
    expect((await api(host, 'GET', '/api/v1/streams/shop/data/schemas')).json.schemas).toEqual([{ channel: 'readings', proto, message: 'telemetry.Reading' }]);

    const Reading = protobuf.parse(proto, { keepCase: true }).root.lookupType('telemetry.Reading');
    const send = (channel: string, body: BodyInit, type: string) =>
      fetch(`${host.url}/api/v1/streams/shop/data/${channel}`, { method: 'POST', body, headers: { Authorization: `Bearer ${key}`, 'Content-Type': type } });
    const encoded = new Uint8Array(Reading.encode(Reading.fromObject({ room: 'studio', temp: 21.5, at: 1_700_000_000_000, tags: ['a', 'b'] })).finish());
    const ok = await send('readings', encoded, 'application/x-protobuf');
    expect(ok.status).toBe(202);
    // JSON that fits goes in too; JSON that does not is refused, and so is a body that is not a Reading.
    expect((await send('readings', JSON.stringify({ room: 'hall', temp: 19 }), 'application/json')).status).toBe(202);
    const mismatch = await send('readings', JSON.stringify({ room: 7 }), 'application/json');
    expect(mismatch.status).toBe(400);
    expect(((await mismatch.json()) as { error: { code: string; message: string } }).error).toEqual(expect.objectContaining({ code: 'SCHEMA_MISMATCH', message: 'channel "readings" takes telemetry.Reading messages: room: string expected' }));
    const garbage = await send('readings', new Uint8Array([0x0a, 0xff, 0xff, 0xff]), 'application/x-protobuf');
    expect(garbage.status).toBe(400);
    const noSchema = await send('orders', encoded, 'application/x-protobuf');
    expect(noSchema.status).toBe(415);
    const kept = await messages('readings');
    expect(kept.map((m) => [m.contentType, m.data])).toEqual([
      ['application/x-protobuf', { room: 'studio', temp: 21.5, at: 1_700_000_000_000, tags: ['a', 'b'] }],
      ['application/json', { room: 'hall', temp: 19 }],
    ]);
  });
});
