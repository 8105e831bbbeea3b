/**
 * A server's TLS material as PEM bytes, read and checked once at start-up. Each transport builds its
 * own credentials from it, so that every port serves the same certificate and the same client-CA rule.
 */
export interface ServerTls {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** With it, clients must present a certificate this CA signed (mTLS). */
  readonly clientCa?: Buffer;
}
