// A child of bench/soak: live data and chat against the host.
//  - Publisher: one WebSocket with the stream key on channel `channel`, `rate` publish frames a second,
//    each `{i, t}` with `ref: i`; the host acknowledges each with its seq. Only acknowledged messages
//    count: one sent when the socket dropped is unacknowledged, not lost.
//  - Checked subscribers (`checked`: so many over SSE, WebSocket and MQTT QoS 1), open before the first
//    message and kept all run; one that drops comes back (SSE with Last-Event-ID, WebSocket with
//    afterSeq: the host replays what it keeps) and is no longer "connected throughout".
//  - Churning subscribers (`churn` of each transport): open, read for 20-60 s, close, again.
//  - Chat: `chatters` viewers join the room, each sends a line every `everyMs`, leaves after `lifeS`,
//    and a new one joins; one WebSocket on the stream's chat channel checks that every sent line arrives.
// On {finish}: publishing stops, then for every acknowledged message: is it in what each checked
// subscriber received, and in the host's kept history (data.messages, paged by seq)?
// IPC: {init}, {report} -> {report}, {finish} -> {final}.
import http from 'node:http';
import mqtt from 'mqtt';
import WebSocket from 'ws';
import { percentile } from './live.mjs';
import { seededRandom, Tally } from './soak-stats.mjs';

let o;
let stopping = false;
let errors = new Tally();
const acked = new Map();
const sentAt = new Map();
let sentCount = 0;
let ackMs = [];
let minute = { published: 0, acked: 0, notSent: 0 };
const subscribers = [];
const chat = { sent: new Set(), failed: 0, minuteSent: 0, received: new Set(), joins: 0 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();

const wsBase = () => o.url.replace(/^http/, 'ws');
const channelPath = (channel) => `/api/v1/streams/${o.stream}/data/${channel}`;

// ---- the publisher ----

let pub = null;
function openPublisher() {
  const ws = new WebSocket(`${wsBase()}${channelPath(o.channel)}/ws`, { headers: { authorization: `Bearer ${o.key}` }, perMessageDeflate: false });
  pub = ws;
  ws.on('message', (raw) => {
    let frame;
    try {
      frame = JSON.parse(String(raw));
    } catch {
      return;
    }
    if (frame.type === 'ack') {
      acked.set(frame.ref, frame.seq);
      minute.acked++;
      const at = sentAt.get(frame.ref);
      if (at !== undefined) ackMs.push(now() - at);
      sentAt.delete(frame.ref);
    } else if (frame.type === 'error') errors.add(`data publish refused ${frame.error?.code ?? ''}`);
  });
  ws.on('error', () => {});
  ws.on('close', () => {
    if (stopping) return;
    errors.add('data publisher socket closed');
    // Sent, never acknowledged: not counted (the publisher knows they may not have arrived).
    sentAt.clear();
    setTimeout(() => !stopping && openPublisher(), 1000);
  });
}

function startPublishing() {
  const t0 = now();
  const timer = setInterval(() => {
    const due = Math.floor(((now() - t0) / 1000) * o.rate);
    while (sentCount < due) {
      const i = sentCount++;
      if (pub?.readyState !== WebSocket.OPEN) {
        minute.notSent++;
        continue;
      }
      sentAt.set(i, now());
      pub.send(JSON.stringify({ type: 'publish', ref: i, data: { i, t: Date.now() } }));
      minute.published++;
    }
  }, 20);
  return () => clearInterval(timer);
}

// ---- subscribers ----

/** One subscriber; `onRef(i, seq)` per message, `checked`: kept all run and compared at the end. */
function subscriber(transport, checked, channel = o.channel) {
  const s = { transport, checked, channel, received: new Set(), count: 0, minuteCount: 0, lastSeq: undefined, throughout: true, reconnects: 0, gaps: 0, connected: false, close: () => {} };
  const got = (value, seq) => {
    const key = channel === o.channel ? value?.i : value?.id;
    if (key === undefined) return;
    if (checked) s.received.add(key);
    s.count++;
    s.minuteCount++;
    if (seq !== undefined) s.lastSeq = seq;
  };
  const dropped = (why) => {
    s.connected = false;
    if (stopping || s.closing) return;
    s.throughout = false;
    s.reconnects++;
    errors.add(`data ${transport} subscriber dropped${checked ? '' : ' (churning)'}: ${why}`);
    setTimeout(() => !stopping && !s.closing && open(), 1000);
  };
  const open = () => {
    if (transport === 'ws') {
      const after = s.lastSeq !== undefined ? `?afterSeq=${s.lastSeq}` : '';
      const ws = new WebSocket(`${wsBase()}${channelPath(channel)}/ws${after}`, { perMessageDeflate: false });
      ws.on('open', () => (s.connected = true));
      ws.on('message', (raw) => {
        const frame = JSON.parse(String(raw));
        if (frame.type === 'message') got(frame.message.data, frame.message.seq);
        else if (frame.type === 'gap') s.gaps++;
      });
      ws.on('error', () => {});
      ws.on('close', (code) => dropped(`close ${code}`));
      s.close = () => ws.terminate();
    } else if (transport === 'sse') {
      const headers = { accept: 'text/event-stream', ...(s.lastSeq !== undefined ? { 'last-event-id': String(s.lastSeq) } : {}) };
      const req = http.get(`${o.url}${channelPath(channel)}/events`, { headers }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          dropped(`http ${res.statusCode}`);
          return;
        }
        s.connected = true;
        res.setEncoding('utf8');
        let buf = '';
        res.on('data', (chunk) => {
          buf += chunk;
          let end;
          while ((end = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event === 'message' && data) {
              const m = JSON.parse(data);
              got(m.data, m.seq);
            } else if (event === 'gap') s.gaps++;
          }
        });
        res.on('close', () => dropped('stream ended'));
      });
      req.on('error', (e) => dropped(e.code ?? e.message));
      s.close = () => req.destroy();
    } else {
      mqtt
        .connectAsync({ host: '127.0.0.1', port: o.mqttPort, protocolVersion: 5, clean: true, reconnectPeriod: 0, connectTimeout: 10_000 })
        .then(async (client) => {
          client.on('message', (_topic, payload) => {
            try {
              got(JSON.parse(payload.toString('utf8')));
            } catch {
              // not ours
            }
          });
          client.on('close', () => dropped('connection closed'));
          client.on('error', () => {});
          await client.subscribeAsync(`streams/${o.stream}/data/${channel}`, { qos: 1 });
          s.connected = true;
          s.close = () => client.end(true);
        })
        .catch((e) => dropped(e.code ?? e.message));
    }
  };
  s.open = open;
  subscribers.push(s);
  return s;
}

async function churn(transport, random) {
  while (!stopping) {
    const s = subscriber(transport, false);
    s.open();
    await sleep(random.between(20, 60) * 1000);
    s.closing = true;
    s.close();
    subscribers.splice(subscribers.indexOf(s), 1);
    await sleep(random.between(1, 5) * 1000);
  }
}

// ---- chat ----

async function chatter(random) {
  const room = encodeURIComponent(o.chat.room);
  while (!stopping) {
    const join = await fetch(`${o.url}/api/v1/chat/${room}/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ displayName: `soak ${chat.joins++}` }), signal: AbortSignal.timeout(10_000) }).catch((e) => e);
    if (!(join instanceof Response) || join.status !== 200) {
      errors.add(`chat join ${join instanceof Response ? join.status : 'network'}`);
      await sleep(5000);
      continue;
    }
    const { viewerToken } = await join.json();
    const until = Date.now() + random.between(o.chat.lifeS[0], o.chat.lifeS[1]) * 1000;
    while (!stopping && Date.now() < until) {
      await sleep(random.between(o.chat.everyMs[0], o.chat.everyMs[1]));
      if (stopping) break;
      const res = await fetch(`${o.url}/api/v1/chat/${room}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: `soak line ${Math.round(random.next() * 1e6)}`, viewerToken }), signal: AbortSignal.timeout(10_000) }).catch((e) => e);
      if (res instanceof Response && res.status === 201) {
        chat.sent.add((await res.json()).id);
        chat.minuteSent++;
      } else {
        chat.failed++;
        const code = res instanceof Response ? /"code":"([A-Z_]+)"/.exec(await res.text())?.[1] ?? '' : '';
        errors.add(`chat send ${res instanceof Response ? res.status : 'network'} ${code}`.trim());
      }
    }
  }
}

// ---- the end: every acknowledged message, where it should be ----

async function history() {
  const refs = new Set();
  let after = 0;
  for (;;) {
    const res = await fetch(`${o.url}${channelPath(o.channel)}/messages?afterSeq=${after}&limit=5000`, { headers: { authorization: `Bearer ${o.token}` }, signal: AbortSignal.timeout(60_000) });
    if (res.status !== 200) throw new Error(`data.messages answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    const { messages } = await res.json();
    if (messages.length === 0) break;
    for (const m of messages) if (m.data?.i !== undefined) refs.add(m.data.i);
    after = messages.at(-1).seq;
  }
  return refs;
}

async function finish(stopPublishing) {
  stopPublishing();
  const deadline = Date.now() + 5000;
  while (sentAt.size > 0 && Date.now() < deadline) await sleep(100);
  await sleep(3000);
  stopping = true;
  pub?.close();
  const ackedRefs = [...acked.keys()];
  const missing = (set) => ackedRefs.filter((i) => !set.has(i));
  const checked = subscribers.filter((s) => s.checked && s.channel === o.channel).map((s) => {
    const m = missing(s.received);
    return { transport: s.transport, throughout: s.throughout, reconnects: s.reconnects, gaps: s.gaps, received: s.received.size, missing: m.length, firstMissing: m.slice(0, 5) };
  });
  let kept = null;
  let historyError = null;
  try {
    const h = await history();
    kept = { size: h.size, missing: missing(h).length, firstMissing: missing(h).slice(0, 5) };
  } catch (error) {
    historyError = String(error.message ?? error);
  }
  const chatMissing = [...chat.sent].filter((id) => !chat.received.has(id));
  for (const s of subscribers) s.close();
  return {
    type: 'final',
    sent: sentCount,
    acked: acked.size,
    checked,
    kept,
    historyError,
    chat: { sent: chat.sent.size, failed: chat.failed, received: chat.received.size, missing: chatMissing.length, joins: chat.joins },
    errors: errors.counts,
  };
}

function report() {
  const byTransport = {};
  for (const s of subscribers) {
    const label = s.channel === o.channel ? `${s.transport}${s.checked ? '' : ' churn'}` : `chat ${s.transport}`;
    const t = (byTransport[label] ??= { connected: 0, received: 0 });
    if (s.connected) t.connected++;
    t.received += s.minuteCount;
    s.minuteCount = 0;
  }
  const out = { type: 'report', ...minute, ackP50: percentile(ackMs, 50), ackP99: percentile(ackMs, 99), subscribers: byTransport, chatSent: chat.minuteSent, errors: errors.counts, cpu: process.cpuUsage() };
  minute = { published: 0, acked: 0, notSent: 0 };
  ackMs = [];
  chat.minuteSent = 0;
  errors = new Tally();
  return out;
}

let stopPublishing = () => {};
process.on('message', async (msg) => {
  if (msg.type === 'init') {
    o = msg;
    const random = seededRandom(o.seed);
    for (const t of ['sse', 'ws', 'mqtt']) for (let i = 0; i < o.checked[t]; i++) subscriber(t, true).open();
    const chatSub = subscriber('ws', true, 'chat');
    chatSub.open();
    // Chat lines are checked by id against what this subscriber received.
    chat.received = chatSub.received;
    const deadline = Date.now() + 20_000;
    while (subscribers.some((s) => !s.connected) && Date.now() < deadline) await sleep(100);
    const waiting = subscribers.filter((s) => !s.connected).map((s) => s.transport);
    openPublisher();
    while (pub.readyState !== WebSocket.OPEN && Date.now() < deadline) await sleep(50);
    stopPublishing = startPublishing();
    for (const t of ['sse', 'ws', 'mqtt']) for (let i = 0; i < o.churn[t]; i++) void churn(t, seededRandom(o.seed + 100 + subscribers.length + i));
    for (let i = 0; i < o.chat.chatters; i++) setTimeout(() => void chatter(seededRandom(o.seed + 200 + i)), random.between(0, o.chat.everyMs[1]));
    process.send({ type: 'ready', notConnected: waiting });
  } else if (msg.type === 'report') {
    process.send(report());
  } else if (msg.type === 'finish') {
    process.send(await finish(stopPublishing));
    setTimeout(() => process.exit(0), 200);
  }
});
process.on('disconnect', () => process.exit(0));
