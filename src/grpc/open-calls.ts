import { status } from '@grpc/grpc-js';
import type { EndInFlight, InFlight } from '../transport/in-flight.js';
import { SHUTTING_DOWN_MESSAGE } from '../transport/shutdown.js';
import type { GrpcStatus } from './status.js';

/** Ends one open call with the given status. */
export type EndCall = EndInFlight<GrpcStatus>;

/**
 * The streaming calls in flight, so that shutdown can end each one itself with UNAVAILABLE
 * once the grace period is over (grpc-js's forceShutdown alone would give clients CANCELLED),
 * and then wait for their handlers to finish before storage closes.
 */
export type OpenCalls = InFlight<GrpcStatus>;

/** What shutdown ends the open calls with. */
export const SHUTTING_DOWN: GrpcStatus = { code: status.UNAVAILABLE, details: SHUTTING_DOWN_MESSAGE };
