import type { Server, ServerWritableStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { createHealthState, type HealthState } from '../transport/health-state.js';
import { EXTENSIONS_SERVICE_NAME } from './extensions-definition.js';
import { ROUTE_GUIDE_SERVICE_NAME } from './service-definition.js';

/** The service names health answers for: the whole server (''), RouteGuide and its extensions. */
export const HEALTH_SERVICES = ['', ROUTE_GUIDE_SERVICE_NAME, EXTENSIONS_SERVICE_NAME] as const;

/** The server's health (HTTP's /healthz reads the same state), served as `grpc.health.v1.Health`. */
export interface Health extends HealthState {
  /** Pushes NOT_SERVING to open Watch streams, then ends them (OK), so they never hold shutdown up. */
  stopServing(): void;
}

/**
 * `grpc.health.v1.Health` on `server`, over a new health state that starts NOT_SERVING until the
 * caller says otherwise; each status set is pushed to the Watch streams of that service.
 */
export function addHealth(server: Pick<Server, 'addService'>): Health {
  const state = createHealthState(HEALTH_SERVICES.filter((name) => name !== ''));
  const implementation = new HealthImplementation(Object.fromEntries(HEALTH_SERVICES.map((name) => [name, 'NOT_SERVING' as const])));
  state.onChange((name, status) => implementation.setStatus(name, status));
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
  return {
    ...state,
    stopServing() {
      state.stop();
      for (const call of watches) call.end();
      watches.clear();
    },
  };
}
