import type { MethodOutput } from '../../src-shared/contract/index.js';
import type { BatchRequest, ObsLink } from './obs-link.js';
import { settle } from './settle.js';

type Transitions = MethodOutput<'obs.transitions.get'>;
type CurrentTransition = MethodOutput<'obs.transitions.set'>;
type RawTransition = { transitionName: string; transitionKind: string; transitionFixed: boolean };

/** The transitions OBS has, the current one and its duration, read in one batch. */
export async function transitionsOf(link: ObsLink): Promise<Transitions> {
  const [list, current] = await link.batch([{ requestType: 'GetSceneTransitionList' }, { requestType: 'GetCurrentSceneTransition' }]);
  const l = list?.ok ? list.data : undefined;
  const c = current?.ok ? current.data : undefined;
  return {
    transitions: ((l?.transitions ?? []) as RawTransition[]).map((t) => ({ name: t.transitionName, kind: t.transitionKind, fixed: t.transitionFixed })),
    current: l?.currentSceneTransitionName ?? null,
    durationMs: c?.transitionDuration ?? null,
  };
}

/**
 * Chooses the current transition and/or its duration and, with `trigger`, runs the studio-mode
 * transition, in one batch; then reads until OBS shows the change (a fixed transition keeps its duration).
 */
export async function setTransition(
  link: ObsLink,
  change: { name?: string | undefined; durationMs?: number | undefined; trigger?: boolean | undefined },
): Promise<CurrentTransition> {
  const { name, durationMs, trigger } = change;
  const requests: BatchRequest<'SetCurrentSceneTransition' | 'SetCurrentSceneTransitionDuration' | 'TriggerStudioModeTransition'>[] = [];
  if (name !== undefined) requests.push({ requestType: 'SetCurrentSceneTransition', requestData: { transitionName: name } });
  if (durationMs !== undefined) requests.push({ requestType: 'SetCurrentSceneTransitionDuration', requestData: { transitionDuration: durationMs } });
  if (trigger) requests.push({ requestType: 'TriggerStudioModeTransition' });
  if (requests.length > 0) await link.batch(requests);
  const t = await settle(
    () => link.call('GetCurrentSceneTransition'),
    (r) => (name === undefined || r.transitionName === name) && (durationMs === undefined || r.transitionDuration === durationMs || r.transitionFixed === true),
  );
  return { current: t.transitionName ?? null, durationMs: typeof t.transitionDuration === 'number' ? t.transitionDuration : null };
}
