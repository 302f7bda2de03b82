/** A service the composition root starts in order and disposes in reverse order. */
export interface Service {
  readonly name: string;
  start?(): Promise<void> | void;
  dispose?(): Promise<void> | void;
}

export class ServiceGroup {
  private readonly started: Service[] = [];

  constructor(private readonly onDisposeError: (service: string, error: unknown) => void) {}

  /** Starts each in order; `onStarting` hears each name first (the start guard records how far a start got). */
  async start(services: readonly Service[], onStarting?: (name: string) => void): Promise<void> {
    for (const service of services) {
      onStarting?.(service.name);
      await service.start?.();
      this.started.push(service);
    }
  }

  /** Disposes every started service, newest first; one failing does not stop the others. */
  async dispose(): Promise<void> {
    while (this.started.length > 0) {
      const service = this.started.pop()!;
      try {
        await service.dispose?.();
      } catch (error) {
        this.onDisposeError(service.name, error);
      }
    }
  }
}

/**
 * Calls and forgets `holder.detach` (a reader's unsubscribe, at most once); a throwing detach is
 * reported to `onError`, never thrown: stopping must go on.
 */
export function detachOnce(holder: { detach: (() => void) | undefined }, onError: (error: unknown) => void): void {
  const detach = holder.detach;
  holder.detach = undefined;
  if (!detach) return;
  try {
    detach();
  } catch (error) {
    onError(error);
  }
}
