import { encode as encodeMsgpack } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { decodePayload, filterMatches, mayRead, parseDataTopic, publishDecision, subscribeDecision, type MqttPrincipal, type Visibility } from './access.js';

const visibility: Visibility = (stream) => ({ show: 'public', secret: 'private' }) [stream] as 'public' | 'private' | undefined;
const api: MqttPrincipal = { kind: 'api' };
const key: MqttPrincipal = { kind: 'key', stream: 'show' };
const secretKey: MqttPrincipal = { kind: 'key', stream: 'secret' };
const anonymous: MqttPrincipal = { kind: 'anonymous' };

describe('MQTT topics and access', () => {
  it('parses only streams/<name>/data/<channel> with valid names', () => {
    expect(parseDataTopic('streams/show/data/score')).toEqual({ stream: 'show', channel: 'score' });
    for (const bad of ['streams/show/data', 'streams/show/data/score/x', 'streams/Show/data/score', 'streams/show/meta/score', 'streams/show/data/-x', 'x/show/data/a']) {
      expect(parseDataTopic(bad), bad).toBeNull();
    }
  });

  it('lets the API token publish anywhere, a key only on its stream, nobody on reserved channels or unknown streams', () => {
    expect(publishDecision(api, 'streams/secret/data/a', visibility)).toMatchObject({ ok: true, topic: { stream: 'secret', channel: 'a' } });
    expect(publishDecision(key, 'streams/show/data/a', visibility).ok).toBe(true);
    expect(publishDecision(key, 'streams/secret/data/a', visibility)).toEqual({ ok: false, reason: 'other-stream' });
    expect(publishDecision(anonymous, 'streams/show/data/a', visibility)).toEqual({ ok: false, reason: 'anonymous' });
    expect(publishDecision(api, 'streams/show/data/chat', visibility)).toEqual({ ok: false, reason: 'reserved-channel' });
    expect(publishDecision(api, 'streams/show/data/windows', visibility)).toEqual({ ok: false, reason: 'reserved-channel' });
    expect(publishDecision(api, 'streams/gone/data/a', visibility)).toEqual({ ok: false, reason: 'unknown-stream' });
    expect(publishDecision(api, 'other/topic', visibility)).toEqual({ ok: false, reason: 'not-a-data-topic' });
  });

  it('grants a filter on one stream by who may read it, wildcards over streams to anyone, filtered per message', () => {
    expect(subscribeDecision(anonymous, 'streams/show/data/+', visibility)).toBe(true);
    expect(subscribeDecision(anonymous, 'streams/secret/data/#', visibility)).toBe(false);
    expect(subscribeDecision(anonymous, 'streams/gone/data/a', visibility)).toBe(false);
    expect(subscribeDecision(secretKey, 'streams/secret/data/a', visibility)).toBe(true);
    expect(subscribeDecision(anonymous, '#', visibility)).toBe(true);
    expect(subscribeDecision(anonymous, 'streams/+/data/a', visibility)).toBe(true);
    expect(subscribeDecision(anonymous, '$SYS/#', visibility)).toBe(false);
    expect(subscribeDecision(api, '$SYS/#', visibility)).toBe(true);

    expect(mayRead(anonymous, 'streams/show/data/a', visibility)).toBe(true);
    expect(mayRead(anonymous, 'streams/secret/data/a', visibility)).toBe(false);
    expect(mayRead(key, 'streams/secret/data/a', visibility)).toBe(false);
    expect(mayRead(secretKey, 'streams/secret/data/a', visibility)).toBe(true);
    expect(mayRead(anonymous, '$SYS/broker/heartbeat', visibility)).toBe(false);
    expect(mayRead(api, 'streams/secret/data/a', visibility)).toBe(true);
  });
});

describe('MQTT topic filters', () => {
  it('match with + and #, never a $ topic by a leading wildcard', () => {
    const topic = 'streams/show/data/score';
    for (const yes of ['#', 'streams/#', 'streams/+/data/+', 'streams/show/data/score', 'streams/show/data/score/#', '+/+/+/+']) expect(filterMatches(yes, topic), yes).toBe(true);
    for (const no of ['streams/+/data', 'streams/other/data/+', '+/+/+', 'streams/show/data/score/x', 'streams/show/data/scor']) expect(filterMatches(no, topic), no).toBe(false);
    expect(filterMatches('#', '$SYS/x')).toBe(false);
    expect(filterMatches('$SYS/#', '$SYS/x')).toBe(true);
  });
});

describe('MQTT payloads as data messages', () => {
  it('takes JSON, then UTF-8 text as a string, then MessagePack, and refuses other bytes', () => {
    expect(decodePayload(Buffer.from('{"a":[1,2]}'))).toEqual({ contentType: 'application/json', data: { a: [1, 2] } });
    expect(decodePayload(Buffer.from('42'))).toEqual({ contentType: 'application/json', data: 42 });
    // 'a' alone is also MessagePack's integer 97: text wins.
    expect(decodePayload(Buffer.from('a'))).toEqual({ contentType: 'application/json', data: 'a' });
    expect(decodePayload(Buffer.from('goal! ⚽'))).toEqual({ contentType: 'application/json', data: 'goal! ⚽' });
    const packed = Buffer.from(encodeMsgpack({ option: 'b', n: 3 }));
    expect(decodePayload(packed)).toEqual({ contentType: 'application/msgpack', data: { option: 'b', n: 3 }, raw: packed });
    expect(decodePayload(Buffer.from([0xc1, 0xff, 0xfe]))).toBeNull();
  });

  it('follows an MQTT 5 content type', () => {
    expect(decodePayload(Buffer.from('not json'), 'application/json')).toBeNull();
    expect(decodePayload(Buffer.from([0x07]), 'application/msgpack')).toMatchObject({ contentType: 'application/msgpack', data: 7 });
    expect(decodePayload(Buffer.from('plain'), 'text/plain')).toEqual({ contentType: 'application/json', data: 'plain' });
  });
});
