import { once } from 'node:events';
import type { ChildRegistry } from '../src-main/core/children.js';
import { waitFor } from './wait.js';

/**
 * Debian's mosquitto_pub and mosquitto_sub as real MQTT peers (gate the suite with needs('mosquitto')).
 * `password` undefined: anonymous; the user name is always `anyone` (our broker ignores it).
 */
export interface MosquittoPeer {
  children: ChildRegistry;
  port: number;
  version: 'mqttv311' | 'mqttv5';
  password?: string;
}

export interface ReceivedMessage {
  topic: string;
  qos: number;
  retained: boolean;
  /** MQTT 5 user properties as mosquitto prints them: `key:value` separated by spaces. */
  props: string;
  payload: string;
}

const connection = (peer: MosquittoPeer): string[] => [
  '-V', peer.version, '-h', '127.0.0.1', '-p', String(peer.port), ...(peer.password === undefined ? [] : ['-u', 'anyone', '-P', peer.password]),
];

/** Publishes one message (a Buffer goes through stdin, byte for byte); resolves with the exit code and stderr. */
export async function mosquittoPub(peer: MosquittoPeer, topic: string, payload: string | Buffer, extra: string[] = []): Promise<{ code: number | null; stderr: string }> {
  const body = typeof payload === 'string' ? ['-m', payload] : ['-s'];
  const child = peer.children.spawn('mosquitto_pub', [...connection(peer), '-t', topic, ...body, ...extra], { stdio: ['pipe', 'ignore', 'pipe'] });
  child.stdin!.end(typeof payload === 'string' ? undefined : payload);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, stderr };
}

/**
 * Subscribes with mosquitto_sub and resolves once the broker answered the SUBSCRIBE; `done` settles
 * when `count` messages arrived or after `seconds` (mosquitto_sub's own -C and -W), with its output.
 */
export async function mosquittoSub(peer: MosquittoPeer, topics: string[], count: number, seconds = 5, extra: string[] = []) {
  const args = [...connection(peer), ...topics.flatMap((t) => ['-t', t]), '-C', String(count), '-W', String(seconds), '-d', '-F', 'MSG|%t|%q|%r|%P|%p', ...extra];
  // Line-buffered: the SUBACK line must arrive when it is printed, not when the pipe's buffer fills.
  const child = peer.children.spawn('stdbuf', ['-oL', 'mosquitto_sub', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
  const exited = once(child, 'close') as Promise<[number | null]>;
  await waitFor('the SUBACK', () => /received SUBACK/i.test(out) || child.exitCode !== null, 5000, 20);
  const done = exited.then(([code]) => ({
    code,
    output: out,
    messages: out
      .split('\n')
      .filter((l) => l.startsWith('MSG|'))
      .map((l): ReceivedMessage => {
        const [, topic = '', qos, retained, props = '', ...payload] = l.split('|');
        return { topic, qos: Number(qos), retained: retained === '1', props, payload: payload.join('|') };
      }),
  }));
  return { done };
}
