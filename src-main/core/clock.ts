/**
 * Two clocks. Wall time (`Date.now()`) is for what people read, what is stored and what other machines
 * compare (timestamps, token expiry, PROGRAM-DATE-TIME). Durations, timeouts, rate windows and "silent
 * for N seconds" use this one: monotonic, so a wall-clock step (NTP correcting a clock, a laptop
 * waking from sleep, someone setting the date) neither fires every timeout at once nor holds them off
 * for an hour.
 */
export function monotonicMs(): number {
  return performance.now();
}
