// The floor relay (bench/lib/webrtc.mjs startFloorRelay) in its own process, so that its CPU can be
// read apart from the viewers: one JSON line per request on stdin ({id, offer} | {id, close: true}),
// one per answer on stdout ({id, sdp}). Options come as JSON in argv[2].
import readline from 'node:readline';
import { startFloorRelay } from './webrtc.mjs';

const relay = await startFloorRelay(JSON.parse(process.argv[2] ?? '{}'));
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
const rl = readline.createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  const req = JSON.parse(line);
  if (req.close) {
    await relay.stop();
    process.exit(0);
  }
  try {
    process.stdout.write(`${JSON.stringify({ id: req.id, sdp: await relay.answer(req.offer) })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ id: req.id, error: String(error) })}\n`);
  }
});
rl.on('close', async () => {
  await relay.stop();
  process.exit(0);
});
