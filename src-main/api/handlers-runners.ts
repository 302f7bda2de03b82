import type { z } from 'zod';
import type { ProvisionJob, RunnerInfo, ScalingStatus, runnerDecommissionInputSchema, runnerProvisionInputSchema } from '../../src-shared/contract/index.js';
import type { Principal } from '../auth/types.js';
import { StudioError } from '../core/errors.js';
import type { Handlers } from './dispatch.js';

/** What the runners' methods need: the pool, provisioning over SSH, and a token for a provisioned runner. */
export interface RunnerHandlerDeps {
  pool: { list(): RunnerInfo[]; remove(id: string): boolean };
  /** `token` is called when the runner's configuration is written: a job that fails before it makes no token. */
  provision(input: z.output<typeof runnerProvisionInputSchema> & { origin: string; token: () => string; name: string }): ProvisionJob;
  decommission(input: z.output<typeof runnerDecommissionInputSchema>): ProvisionJob;
  /** A new API token of `by` with runners:write only (listed and revocable on the Access page). */
  runnerToken(by: Principal, name: string): string;
  /** The autoscaler's status. */
  scaling: () => ScalingStatus;
}

type RunnerMethod = 'runners.list' | 'runners.remove' | 'runners.provision' | 'runners.decommission' | 'scaling.status';

export function runnerHandlers(deps: RunnerHandlerDeps): Pick<Handlers, RunnerMethod> {
  return {
    'runners.list': () => deps.pool.list(),
    'runners.remove': ({ id }) => ({ removed: deps.pool.remove(id) }),
    'runners.provision': (input, ctx) => {
      const origin = input.origin ?? ctx.baseUrl;
      if (!origin) throw new StudioError('VALIDATION_FAILED', 'origin: give the URL the runner reaches this host at', { fields: [{ path: 'origin', message: 'required' }] });
      if (!ctx.principal) throw new StudioError('UNAUTHORIZED', 'a runner is provisioned by a signed-in user or a token');
      const name = input.name ?? input.host;
      // The runner holds a token of its own that can do nothing but be a runner.
      const principal = ctx.principal;
      const token = (): string => deps.runnerToken(principal, `runner ${name}`.slice(0, 64));
      return deps.provision({ ...input, origin: origin.replace(/\/$/, ''), token, name });
    },
    'runners.decommission': (input) => deps.decommission(input),
    'scaling.status': () => deps.scaling(),
  };
}
