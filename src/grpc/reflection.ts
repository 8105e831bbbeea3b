import { toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import type { Server } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { file_health_v1_health } from '../gen/es/health/v1/health_pb.js';
import { file_route_guide_extensions } from '../gen/es/route_guide_extensions_pb.js';
import { file_route_guide } from '../gen/es/route_guide_pb.js';

/** The files reflection describes, as buf compiled them: fully qualified type names, JSON names, imports declared. */
const DESCRIBED_FILES = [file_route_guide, file_route_guide_extensions, file_health_v1_health];

/**
 * Adds server reflection (v1 and v1alpha) describing RouteGuide, its extensions and health, so that
 * grpcurl and friends work with no proto file at hand.
 */
export function addReflection(server: Pick<Server, 'addService'>): void {
  // @grpc/reflection reads nothing of a proto-loader PackageDefinition but each entry's file
  // descriptors. proto-loader itself would rebuild those through protobufjs, with relative type
  // names and no JSON names or imports, so the compiled ones are handed over as they are.
  const definition = Object.fromEntries(
    DESCRIBED_FILES.map((file) => [file.proto.name, { fileDescriptorProtos: [Buffer.from(toBinary(FileDescriptorProtoSchema, file.proto))] }]),
  );
  new ReflectionService(definition as unknown as ConstructorParameters<typeof ReflectionService>[0]).addToServer(server);
}
