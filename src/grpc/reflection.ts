import type { Server } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { completeDescriptors } from './complete-descriptors.js';

/** The project's `proto/` folder, found from this file whether it runs from src/ or dist/. */
const PROTO_DIR = fileURLToPath(new URL('../../proto/', import.meta.url));
/** The folder health/v1/health.proto lives under, so the file keeps its canonical name. */
const HEALTH_PROTO_ROOT = resolve(dirname(healthProtoPath), '../..');

/**
 * Adds server reflection (v1 and v1alpha) describing RouteGuide, its extensions and health, from the .proto files
 * themselves, so that grpcurl and friends work with no proto file at hand.
 */
export function addReflection(server: Pick<Server, 'addService'>): void {
  const definition = loadSync(['route_guide.proto', 'route_guide_extensions.proto', 'health/v1/health.proto'], {
    includeDirs: [PROTO_DIR, HEALTH_PROTO_ROOT],
  });
  for (const entry of Object.values(definition)) {
    const files = (entry as { fileDescriptorProtos?: Buffer[] }).fileDescriptorProtos;
    if (Array.isArray(files)) (entry as { fileDescriptorProtos: Buffer[] }).fileDescriptorProtos = completeDescriptors(files);
  }
  new ReflectionService(definition).addToServer(server);
}
