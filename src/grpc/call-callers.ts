import type { Metadata } from '@grpc/grpc-js';
import type { Caller } from '../access/access.js';
import { ANONYMOUS } from '../access/auth-file.js';

/**
 * Who made each call, by the call's metadata object: grpc-js hands the same object up every layer
 * of a call, so the access layer (access-control.ts), which learns the caller, and the call
 * observer below it, which names it in logs and metrics, meet there.
 */
const callers = new WeakMap<Metadata, Caller>();

export function setCaller(metadata: Metadata, caller: Caller): void {
  callers.set(metadata, caller);
}

/** The caller's name for logs and metrics: `anonymous` when no access rules apply. */
export function callerName(metadata: Metadata | undefined): string {
  return (metadata && callers.get(metadata)?.name) ?? ANONYMOUS;
}
