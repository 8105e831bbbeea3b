import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';

const identity = (bytes: Buffer): Buffer => bytes;

export interface RawOutcome {
  readonly code: number;
  readonly details: string;
  readonly responses: Buffer[];
}

/** A grpc-js client that sends and receives raw bytes on any method path, for malformed input. */
export class RawClient {
  readonly client: Client;

  constructor(target: string) {
    this.client = new Client(target, credentials.createInsecure());
  }

  unary(path: string, request: Buffer, deadlineMs?: number): Promise<RawOutcome> {
    return new Promise((resolve) => {
      const options = deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs };
      this.client.makeUnaryRequest(path, identity, identity, request, new Metadata(), options, (error: ServiceError | null, response?: Buffer) => {
        resolve({ code: error?.code ?? 0, details: error?.details ?? '', responses: response ? [response] : [] });
      });
    });
  }

  serverStream(path: string, request: Buffer): Promise<RawOutcome> {
    return new Promise((resolve) => {
      const call = this.client.makeServerStreamRequest(path, identity, identity, request, new Metadata(), {});
      const responses: Buffer[] = [];
      call.on('data', (data: Buffer) => responses.push(data));
      call.on('error', () => {});
      call.on('status', (status) => resolve({ code: status.code, details: status.details, responses }));
    });
  }

  clientStream(path: string, requests: Buffer[]): Promise<RawOutcome> {
    return new Promise((resolve) => {
      const call = this.client.makeClientStreamRequest(path, identity, identity, new Metadata(), {}, (error: ServiceError | null, response?: Buffer) => {
        resolve({ code: error?.code ?? 0, details: error?.details ?? '', responses: response ? [response] : [] });
      });
      call.on('error', () => {});
      for (const request of requests) call.write(request);
      call.end();
    });
  }

  bidiStream(path: string, requests: Buffer[]): Promise<RawOutcome> {
    return new Promise((resolve) => {
      const call = this.client.makeBidiStreamRequest(path, identity, identity, new Metadata(), {});
      const responses: Buffer[] = [];
      call.on('data', (data: Buffer) => responses.push(data));
      call.on('error', () => {});
      call.on('status', (status) => resolve({ code: status.code, details: status.details, responses }));
      for (const request of requests) call.write(request);
      call.end();
    });
  }

  close(): void {
    this.client.close();
  }
}
