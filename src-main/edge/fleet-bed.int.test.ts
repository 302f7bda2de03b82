import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFleet, type Fleet } from '../../test-support/fleet/bed.mjs';
import { bedUnavailable, leftovers } from '../../test-support/fleet/netns.mjs';
import { recoveryMs, ViewerSim } from '../../test-support/fleet/viewers.mjs';
import { needs, recordSkip } from '../../test-support/peers.js';
import { sleep } from '../../test-support/wait.js';

/**
 * The fleet test bed at small scale (bench/fleet runs it at 2,000 viewers): an origin, two real edges
 * each in its own network namespace behind a shaped link (one with 1 % loss), 50 simulated viewers.
 * An edge is killed mid-play (SIGKILL of nginx and the agent): every one of its viewers plays again
 * from the other edge within 5 s. Afterwards nothing of the bed is left: no namespace, veth, iptables
 * rule, origin address or process.
 */
const why = needs('root', 'nginx', 'ffmpeg', 'iptables') || ((reason) => (reason ? recordSkip(reason) : false))(bedUnavailable());

/** A process that still runs (a zombie waiting for its parent to reap it does not). */
function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe.skipIf(why)('fleet test bed: edges in namespaces, simulated viewers, an edge killed', () => {
  let bed: Fleet | undefined;
  let sim: ViewerSim | undefined;

  beforeAll(async () => {
    bed = await createFleet({
      edges: [
        { region: 'a', rttMs: 20, rateMbit: 100, loss: 0 },
        { region: 'b', rttMs: 40, rateMbit: 100, loss: 0.01 },
      ],
      deadlineMs: 110_000,
      stream: { kbps: 150 },
    });
  }, 60_000);

  afterAll(async () => {
    await sim?.stop();
    await bed?.destroy();
  }, 30_000);

  it('moves every viewer of a killed edge to the other within 5 s, then leaves nothing behind', async () => {
    const fleet = bed!;
    const delays = new Map(fleet.edges.map((e) => [new URL(e.url).origin, e.link.delayInSimulator ? e.link.rttMs : 0]));
    sim = new ViewerSim({
      playbackUrl: fleet.playbackUrl,
      token: fleet.host.token,
      delayMs: (url) => delays.get(new URL(url).origin) ?? 0,
      lowLatencyShare: 0.2,
      maxHeights: [720, 468, 360],
      regions: fleet.edges.map((e) => e.region),
    });
    await sim.add(50, { rampMs: 3000 });
    await sleep(6000);
    const steady = sim.markPhase('kill');
    expect(sim.viewers.filter((v) => v.startupMs === null)).toEqual([]);
    expect(steady.errors, steady.samples.join('\n')).toBe(0);

    const [victim, survivor] = fleet.edges;
    const victims = sim.viewers.filter((v) => v.edge?.id === victim!.id);
    expect(victims.length).toBeGreaterThan(10);
    const killAt = performance.now();
    victim!.kill();
    await sleep(8000);
    const recoveries = victims.map((v) => Math.round(recoveryMs(v, killAt, victim!.id)));
    expect(Math.max(...recoveries), `recoveries ${recoveries.join(' ')}`).toBeLessThan(5000);
    expect(sim.phase.errorsByEdge[survivor!.id] ?? 0).toBe(0);
    expect(sim.viewers.filter((v) => v.fatal !== null)).toEqual([]);

    // Everything the bed started: the origin, the publisher, what ran in the namespaces.
    const pids = [fleet.host.pid, fleet.stream.publisher.pid!, ...fleet.edges.flatMap((e) => [e.pid, ...e.pids()])];
    await sim.stop();
    await fleet.destroy();
    bed = undefined;
    expect(leftovers()).toEqual({ namespaces: [], links: [], origin: false, rules: [] });
    expect(pids.filter(running)).toEqual([]);
  }, 60_000);
});
