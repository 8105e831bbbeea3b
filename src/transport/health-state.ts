/** What health reports for one service, in grpc.health.v1's words. */
export type ServingStatus = 'SERVING' | 'NOT_SERVING';

/** What health reports for a service name it does not know (gRPC's Check answers NOT_FOUND). */
export const SERVICE_UNKNOWN = 'SERVICE_UNKNOWN';

/** The statuses a reader can see: gRPC's health service and HTTP's /healthz read the same ones. */
export interface HealthView {
  /** The status of `service` ('' is the whole server), or SERVICE_UNKNOWN for a name health does not know. */
  status(service: string): ServingStatus | typeof SERVICE_UNKNOWN;
}

/**
 * The one source of the server's health, for both transports: every service starts NOT_SERVING
 * until start-up says otherwise.
 */
export interface HealthState extends HealthView {
  /** Sets every service's status. */
  set(status: ServingStatus): void;
  /**
   * Sets the status of the services whose calls need storage and leaves '' (the whole server)
   * alone: it still answers from its index, and a readiness probe on '' must not pull every server
   * at once while a shared database restarts.
   */
  setStorageServices(status: ServingStatus): void;
  /** NOT_SERVING for every service, for good: shutdown has begun, and later sets are ignored. */
  stop(): void;
  /** Calls `listener` with each service whose status was set (changed or not), after it was. */
  onChange(listener: (service: string, status: ServingStatus) => void): void;
}

/** Health for '' (the whole server) and `storageServices`, the services whose calls need storage. */
export function createHealthState(storageServices: readonly string[]): HealthState {
  const statuses = new Map<string, ServingStatus>(['', ...storageServices].map((name) => [name, 'NOT_SERVING']));
  const listeners: ((service: string, status: ServingStatus) => void)[] = [];
  let stopped = false;
  const update = (names: Iterable<string>, status: ServingStatus): void => {
    for (const name of names) {
      statuses.set(name, status);
      for (const listener of listeners) listener(name, status);
    }
  };
  return {
    status: (service) => statuses.get(service) ?? SERVICE_UNKNOWN,
    set(status) {
      if (!stopped) update([...statuses.keys()], status);
    },
    setStorageServices(status) {
      if (!stopped) update(storageServices, status);
    },
    stop() {
      update([...statuses.keys()], 'NOT_SERVING');
      stopped = true;
    },
    onChange(listener) {
      listeners.push(listener);
    },
  };
}
