/** A service the composition root starts in order and disposes in reverse order. */
export interface Service {
  readonly name: string;
  start?(): Promise<void> | void;
  dispose?(): Promise<void> | void;
}

export class ServiceGroup {
  private readonly started: Service[] = [];

  constructor(private readonly onDisposeError: (service: string, error: unknown) => void) {}

  async start(services: readonly Service[]): Promise<void> {
    for (const service of services) {
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
