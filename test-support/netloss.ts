import { spawnSync } from 'node:child_process';

const iptables = (action: '-I' | '-D', rule: string[]): boolean => spawnSync('iptables', ['-w', action, 'OUTPUT', ...rule], { stdio: 'ignore' }).status === 0;

/** True when this process may add loopback firewall rules (root, iptables installed, kernel support). */
export function canDropPackets(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = ['-o', 'lo', '-p', 'udp', '--sport', '9', '-m', 'statistic', '--mode', 'random', '--probability', '0.5', '-m', 'comment', '--comment', 'streams-test-probe', '-j', 'DROP'];
  if (!iptables('-I', probe)) return false;
  iptables('-D', probe);
  return true;
}

/**
 * A poor network on loopback: drops `probability` of the UDP packets sent from the source ports
 * `min`..`max` (the host's WebRTC ports), nothing else. Returns the function that removes it.
 */
export function dropUdpFromPorts(min: number, max: number, probability: number): () => void {
  const rule = ['-o', 'lo', '-p', 'udp', '--sport', `${min}:${max}`, '-m', 'statistic', '--mode', 'random', '--probability', String(probability), '-m', 'comment', '--comment', 'streams-test', '-j', 'DROP'];
  if (!iptables('-I', rule)) throw new Error('iptables refused the loss rule');
  let removed = false;
  return () => {
    if (!removed) removed = iptables('-D', rule);
  };
}
