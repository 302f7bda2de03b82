// One child process of MQTT subscribers for bench/lib/data-mqtt.mjs: connects `count` mqtt.js clients,
// subscribes each to `topic` (QoS 0), and keeps for every message received its delivery latency
// (receive wall time minus the `t` the publisher wrote first in the payload: both processes read the
// same machine clock through performance.timeOrigin) in a histogram. The parent drives it over IPC:
// {cmd: 'count' | 'reset' | 'report' | 'close'}.
import mqtt from 'mqtt';
import { LatencyHistogram } from './latency-histogram.mjs';

const { port, password, topic, count, protocolVersion } = JSON.parse(process.argv[2]);

const latencies = new LatencyHistogram();
let received = 0;
let lastAt = 0;

function onMessage(_topic, payload) {
  const now = performance.timeOrigin + performance.now();
  // The payload begins with {"t":<ms>, : read the number without parsing the whole JSON.
  latencies.add(now - parseFloat(payload.toString('latin1', 5, 32)));
  received++;
  lastAt = now;
}

const clients = [];
try {
  for (let i = 0; i < count; i += 50) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + 50); j++) {
      batch.push(
        mqtt.connectAsync({ host: '127.0.0.1', port, username: 'bench', password, protocolVersion, reconnectPeriod: 0, connectTimeout: 10_000, clean: true }).then(async (client) => {
          client.on('message', onMessage);
          await client.subscribeAsync(topic, { qos: 0 });
          clients.push(client);
        }),
      );
    }
    await Promise.all(batch);
  }
  process.send({ ready: clients.length });
} catch (error) {
  process.send({ error: String(error) });
  process.exit(1);
}

process.on('message', async (message) => {
  if (message.cmd === 'count') process.send({ received, lastAt });
  else if (message.cmd === 'reset') {
    latencies.reset();
    received = 0;
    lastAt = 0;
    process.send({ reset: true });
  } else if (message.cmd === 'report') process.send({ received, lastAt, latencies: latencies.toJSON() });
  else if (message.cmd === 'close') {
    await Promise.allSettled(clients.map((c) => c.endAsync(true)));
    process.exit(0);
  }
});
