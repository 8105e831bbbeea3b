import type { Server, ServerWritableStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import { EXTENSIONS_SERVICE_NAME } from './extensions-definition.js';
import { ROUTE_GUIDE_SERVICE_NAME } from './service-definition.js';

/** The service names health answers for: the whole server (''), RouteGuide and its extensions. */
export const HEALTH_SERVICES = ['', ROUTE_GUIDE_SERVICE_NAME, EXTENSIONS_SERVICE_NAME] as const;

export interface Health {
  /** Sets every service's status, pushing it to open Watch streams. */
  set(status: ServingStatus): void;
  /**
   * Sets the status of the services whose calls need storage (RouteGuide and its extensions) and
   * leaves '' (the whole server) alone: it still answers from its index, and a readiness probe on ''
   * must not pull every server at once while a shared database restarts.
   */
  setStorageServices(status: ServingStatus): void;
  /** Pushes NOT_SERVING to open Watch streams, then ends them (OK), so they never hold shutdown up. */
  stopServing(): void;
}

/** `grpc.health.v1.Health` on `server`, starting NOT_SERVING until the caller says otherwise. */
export function addHealth(server: Pick<Server, 'addService'>): Health {
  const implementation = new HealthImplementation(
    Object.fromEntries(HEALTH_SERVICES.map((name) => [name, 'NOT_SERVING' as ServingStatus])),
  );
  const watches = new Set<ServerWritableStream<unknown, unknown>>();
  // grpc-health-check never ends a Watch stream; wrap its handler to keep track of them.
  implementation.addToServer({
    addService(definition, handlers: UntypedServiceImplementation) {
      const watch = handlers.watch as (call: ServerWritableStream<unknown, unknown>) => void;
      server.addService(definition, {
        ...handlers,
        watch(call: ServerWritableStream<unknown, unknown>) {
          watches.add(call);
          call.on('cancelled', () => watches.delete(call));
          watch(call);
        },
      });
    },
  });
  let stopped = false;
  const set = (status: ServingStatus): void => {
    if (stopped) return;
    for (const name of HEALTH_SERVICES) implementation.setStatus(name, status);
  };
  return {
    set,
    setStorageServices(status) {
      if (stopped) return;
      for (const name of HEALTH_SERVICES) if (name !== '') implementation.setStatus(name, status);
    },
    stopServing() {
      set('NOT_SERVING');
      stopped = true;
      for (const call of watches) call.end();
      watches.clear();
    },
  };
}

