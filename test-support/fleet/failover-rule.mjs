// The failover rule real players follow (src-shared/edge-failover.ts: when to leave an edge, which one
// to take next), loaded from the app's own source so that the simulator cannot drift from it.
import { importTs } from './ts-import.mjs';

export const { FAILOVER_RULE, leftOrder, moveOnReason, nextSource } = await importTs('src-shared/edge-failover.ts');
