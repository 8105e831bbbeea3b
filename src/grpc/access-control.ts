import { Metadata, status, type ServerInterceptingCallInterface, type ServerInterceptor } from '@grpc/grpc-js';
import { AccessRefusal, commonNameOf, type Access, type CallPassage } from '../access/access.js';
import { scopeNeeded } from '../access/scopes.js';
import { setCaller } from './call-callers.js';
import { ForwardingCall } from './forwarding-call.js';
import { passThrough } from './pass-through.js';

type Outgoing = Parameters<ServerInterceptingCallInterface['sendStatus']>[0];

/** A refusal as grpc-js sends it, with `retry-after` (seconds) in the trailers for a rate. */
function refusalStatus(refusal: AccessRefusal): Outgoing {
  const metadata = new Metadata();
  const seconds = refusal.retryAfterSeconds;
  if (seconds !== undefined) metadata.set('retry-after', String(seconds));
  return { code: refusal.code as number as status, details: refusal.message, metadata };
}

/**
 * One call under the access rules: a layer over the next call (forwarding-call.ts) that identifies
 * the caller when the metadata arrives and refuses the call there, or lets it on with its passage;
 * spends the write rate on each note; and gives the stream slot back when the call ends.
 */
class AccessControlledCall extends ForwardingCall {
  private passage: CallPassage | undefined;
  /** Answered here: nothing more goes up to the handler. */
  private refused = false;
  /** A note of this stream went over the rate: the stream stops reading, answers what it read, and ends with this. */
  private overRate: AccessRefusal | undefined;

  constructor(
    next: ServerInterceptingCallInterface,
    private readonly access: Access,
    private readonly path: string,
    private readonly requestStream: boolean,
    private readonly streaming: boolean,
  ) {
    super(next);
  }

  override onReceiveMetadata(metadata: Metadata): void {
    const caller = this.access.identify({
      authorization: metadata.get('authorization')[0]?.toString(),
      commonName: () => commonNameOf(this.next.getAuthContext().sslPeerCertificate),
      address: this.next.getConnectionInfo().remoteAddress,
    });
    setCaller(metadata, caller);
    const passage = this.access.begin(this.path, caller, this.streaming);
    if (passage instanceof AccessRefusal) return this.refuse(passage);
    this.passage = passage;
    super.onReceiveMetadata(metadata);
  }

  override onReceiveMessage(message: unknown): void {
    if (this.refused || this.overRate) return;
    const refusal = this.passage?.countsNotes ? this.passage.note() : undefined;
    if (refusal === undefined) return super.onReceiveMessage(message);
    if (!this.requestStream) return this.refuse(refusal);
    // As if the client had closed its side here: the handler answers the notes before, then ends.
    this.overRate = refusal;
    super.onReceiveHalfClose();
  }

  override onReceiveHalfClose(): void {
    if (this.refused || this.overRate) return;
    super.onReceiveHalfClose();
  }

  override onCancel(): void {
    this.passage?.end();
    super.onCancel();
  }

  override sendStatus(outgoing: Outgoing): void {
    this.passage?.end();
    super.sendStatus(this.overRate && outgoing.code === status.OK ? refusalStatus(this.overRate) : outgoing);
  }

  private refuse(refusal: AccessRefusal): void {
    this.refused = true;
    this.passage?.end();
    this.next.sendStatus(refusalStatus(refusal));
  }
}

/**
 * A server interceptor that applies the access rules (src/access) to every call of RouteGuide and
 * its extensions on the gRPC port, as src/http/access-control.ts does on the HTTP port. Calls the
 * rules leave open (health, reflection) pass untouched.
 */
export function accessControl(access: Access): ServerInterceptor {
  return (descriptor, call) => {
    if (scopeNeeded(descriptor.path) === undefined) return passThrough(call);
    const streaming = descriptor.requestStream || descriptor.responseStream;
    return passThrough(new AccessControlledCall(call, access, descriptor.path, descriptor.requestStream, streaming));
  };
}
