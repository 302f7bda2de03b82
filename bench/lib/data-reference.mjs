// The reference of bench/data-fanout: a plain `ws` broadcast loop in its own process. A publisher on
// /pub sends `{"type":"publish","data"}`; each is wrapped once in the same envelope as ours
// (`{"type":"message","message":{id, seq, at, data, ...}}`) and sent to every socket on /sub.
import { WebSocketServer } from 'ws';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
const subscribers = new Set();
let seq = 0;
wss.on('connection', (ws, req) => {
  if (req.url?.startsWith('/sub')) {
    subscribers.add(ws);
    ws.once('close', () => subscribers.delete(ws));
    return;
  }
  ws.on('message', (raw) => {
    const frame = JSON.parse(String(raw));
    seq++;
    const message = {
      id: `fanout:${seq}`,
      stream: 'bench',
      channel: 'fanout',
      seq,
      at: Date.now(),
      mediaTime: null,
      programDateTime: null,
      contentType: 'application/json',
      data: frame.data,
      source: { kind: 'key', transport: 'ws', remoteAddress: '127.0.0.1' },
    };
    const out = Buffer.from(JSON.stringify({ type: 'message', message }));
    for (const s of subscribers) s.send(out, { binary: false });
    ws.send(JSON.stringify({ type: 'ack', ref: frame.ref, seq }));
  });
});
wss.once('listening', () => process.send({ type: 'listening', port: wss.address().port }));
process.on('message', (msg) => {
  if (msg.type === 'stop') process.exit(0);
});
