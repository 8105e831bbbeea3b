import type { ServerInterceptingCall, ServerInterceptingCallInterface } from '@grpc/grpc-js';

/**
 * What an interceptor returns for a call it leaves alone: the call itself, not a pass-through
 * `new ServerInterceptingCall(call)`, a layer that costs every call a few microseconds of CPU.
 * grpc-js's ServerInterceptor type asks for a ServerInterceptingCall, but grpc-js uses only the
 * interface: the innermost call it hands the first interceptor is a BaseServerInterceptingCall.
 */
export function passThrough(call: ServerInterceptingCallInterface): ServerInterceptingCall {
  return call as ServerInterceptingCall;
}
