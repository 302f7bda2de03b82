import { describe, expect, it } from 'vitest';
import { healthUrlOf, orderByLatency, probeEdges } from './edge-route.js';

const edge = (id: string) => ({ id, region: '', hls: `http://${id}.example:8081/live/show/index.m3u8` });

describe('edge routing in the player', () => {
  it('orders edges by probed latency, unanswered last', () => {
    const order = orderByLatency([
      { edge: edge('a'), ms: null },
      { edge: edge('b'), ms: 40 },
      { edge: edge('c'), ms: 12 },
    ]);
    expect(order.map((p) => p.edge.id)).toEqual(['c', 'b', 'a']);
  });

  it('probes each edge at its health URL', async () => {
    const asked: string[] = [];
    const order = await probeEdges([edge('a'), edge('b')], async (url) => {
      asked.push(url);
      return url.includes('//a.') ? 30 : 5;
    });
    expect(asked.sort()).toEqual(['http://a.example:8081/edge/health', 'http://b.example:8081/edge/health']);
    expect(order.map((p) => p.edge.id)).toEqual(['b', 'a']);
    expect(healthUrlOf('https://e.example/live/x/index.m3u8?exp=1')).toBe('https://e.example/edge/health');
  });
});
