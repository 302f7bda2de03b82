// Types of abr.mjs for the TypeScript tests.
export class BandwidthEstimator {
  sample(ms: number, bytes: number, mediaSec: number): void;
  readonly estimate: number;
}
export function chooseLevel(
  variants: { bandwidth: number; height: number }[],
  options: { current: number; estimate: number; bufferSec: number; segmentSec: number; maxHeight?: number },
): number;
