import { describe, expect, it } from 'vitest';
import type { DataMessage } from '../../../src-shared/contract/data.js';
import { dataOfPayload, dataOfRedisFields, jetStreamNameOf, natsSubjectOf, recordOf, redisKeyOf } from './records.js';

const message: DataMessage = {
  id: 'score:7',
  stream: 'show',
  channel: 'score',
  seq: 7,
  at: 1_700_000_000_000,
  mediaTime: 1234,
  programDateTime: 1_700_000_000_500,
  contentType: 'application/msgpack',
  data: { home: 2 },
  source: { kind: 'key', transport: 'ws', remoteAddress: '127.0.0.1' },
};

describe('bridge records', () => {
  it('carry the data as JSON and the identity and times as metadata; the id is unique per host', () => {
    expect(recordOf(message)).toEqual({
      stream: 'show',
      channel: 'score',
      seq: 7,
      id: 'show/score:7',
      at: 1_700_000_000_000,
      payload: '{"home":2}',
      meta: { seq: '7', at: '1700000000000', 'content-type': 'application/json', 'media-time': '1234', 'program-date-time': '1700000000500' },
    });
    expect(recordOf({ ...message, mediaTime: null, programDateTime: null, data: undefined }).meta).toEqual({ seq: '7', at: '1700000000000', 'content-type': 'application/json' });
    expect(recordOf({ ...message, data: undefined }).payload).toBe('null');
  });

  it('name subjects, JetStream streams and Redis keys from the prefix', () => {
    expect(natsSubjectOf('streams', 'show', 'score')).toBe('streams.show.score');
    expect(jetStreamNameOf('streams', 'my-show')).toBe('STREAMS_MY-SHOW');
    expect(redisKeyOf('studio', 'show', 'score')).toBe('studio:show:score');
  });

  it('read JSON back, text as text, and a Redis entry of another producer as its fields', () => {
    expect(dataOfPayload('{"t":21}')).toEqual({ t: 21 });
    expect(dataOfPayload('hello')).toBe('hello');
    expect(dataOfRedisFields(['seq', '1', 'data', '[1,2]'])).toEqual([1, 2]);
    expect(dataOfRedisFields(['user', 'ada', 'kind', 'sub'])).toEqual({ user: 'ada', kind: 'sub' });
  });
});
