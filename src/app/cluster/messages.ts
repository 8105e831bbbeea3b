/**
 * What the cluster primary and its workers tell each other over the IPC channel node:cluster opens.
 * Every type starts with `routeguide:`, apart from other users of the channel.
 */

/** Worker to primary: start-up is done and the worker serves on `port`. */
export interface WorkerReady {
  readonly type: 'routeguide:ready';
  readonly port: number;
}

/** Primary to worker: begin the graceful shutdown, as a stop signal would. */
export interface StopWorker {
  readonly type: 'routeguide:stop';
}

export type WorkerMessage = WorkerReady;
export type PrimaryMessage = StopWorker;

function hasType(message: unknown, type: string): boolean {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}

export function isWorkerReady(message: unknown): message is WorkerReady {
  return hasType(message, 'routeguide:ready') && typeof (message as WorkerReady).port === 'number';
}

export function isStopWorker(message: unknown): message is StopWorker {
  return hasType(message, 'routeguide:stop');
}
