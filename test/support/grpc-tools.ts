import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { credentials as grpcCredentials, loadPackageDefinition, type ChannelCredentials, type Client } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';

const require = createRequire(import.meta.url);
/** @grpc/reflection ships its .proto files in build/proto. */
const REFLECTION_PROTO_ROOT = resolve(dirname(require.resolve('@grpc/reflection')), '../proto');

type ClientConstructor = new (target: string, credentials: ChannelCredentials) => Client;

function serviceConstructor(file: string, root: string, name: string): ClientConstructor {
  const definition = loadSync(file, { includeDirs: [root], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  let found: unknown = loadPackageDefinition(definition);
  for (const part of name.split('.')) found = (found as Record<string, unknown>)[part];
  return found as ClientConstructor;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Untyped = any;

/** A dynamic grpc.health.v1.Health client, as a probe or grpc_health_probe would use. */
export function createHealthClient(target: string, credentials = grpcCredentials.createInsecure()): Untyped {
  const Health = serviceConstructor('health/v1/health.proto', resolve(dirname(healthProtoPath), '../..'), 'grpc.health.v1.Health');
  return new Health(target, credentials);
}

/** A dynamic grpc.reflection.v1.ServerReflection client, as grpcurl would use. */
export function createReflectionClient(target: string): Untyped {
  const Reflection = serviceConstructor('grpc/reflection/v1/reflection.proto', REFLECTION_PROTO_ROOT, 'grpc.reflection.v1.ServerReflection');
  return new Reflection(target, grpcCredentials.createInsecure());
}

/** Sends one request on a new ServerReflectionInfo stream and resolves with the one response. */
export function reflect(client: Untyped, request: Record<string, unknown>): Promise<Untyped> {
  return new Promise((resolvePromise, reject) => {
    const call = client.ServerReflectionInfo();
    call.once('data', (response: unknown) => {
      resolvePromise(response);
      call.end();
    });
    call.once('error', reject);
    call.write(request);
  });
}
