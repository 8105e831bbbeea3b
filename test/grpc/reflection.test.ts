import { create, createFileRegistry, fromBinary, fromJson, toBinary, toJson, type JsonValue } from '@bufbuild/protobuf';
import { Client, credentials } from '@grpc/grpc-js';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReflectionClient, reflect } from '../support/grpc-tools.js';
import { startTestServer, type TestServer } from '../support/servers.js';

function decodeFiles(response: { file_descriptor_response: { file_descriptor_proto: Buffer[] } }): FileDescriptorProto[] {
  return response.file_descriptor_response.file_descriptor_proto.map((bytes) => fromBinary(FileDescriptorProtoSchema, new Uint8Array(bytes)));
}

describe('server reflection (v1, as grpcurl asks)', () => {
  let server: TestServer;
  let reflection: ReturnType<typeof createReflectionClient>;
  beforeAll(async () => {
    server = await startTestServer();
    reflection = createReflectionClient(server.target);
  });
  afterAll(async () => {
    reflection.close();
    await server.stop();
  });

  it('lists RouteGuide, its extensions and the health service', async () => {
    const response = await reflect(reflection, { list_services: '*' });
    const names = response.list_services_response.service.map((service: { name: string }) => service.name);
    expect(names).toEqual(
      expect.arrayContaining(['routeguide.RouteGuide', 'routeguide.extensions.v1.RouteGuideExtensions', 'grpc.health.v1.Health']),
    );
  });

  it('describes RouteGuideExtensions with its four methods, and the file it imports', async () => {
    const response = await reflect(reflection, { file_containing_symbol: 'routeguide.extensions.v1.RouteGuideExtensions' });
    const files = decodeFiles(response);
    const service = files.flatMap((file) => file.service).find((candidate) => candidate.name === 'RouteGuideExtensions');
    expect(service?.method.map((method) => method.name)).toEqual(['NearestFeatures', 'ExportFeatures', 'WatchNotes', 'PostNote', 'CountFeatures']);
    const extensionsFile = files.find((file) => file.service.some((candidate) => candidate.name === 'RouteGuideExtensions'))!;
    const routeGuideFile = files.find((file) => file.messageType.some((message) => message.name === 'Point'))!;
    // The file that defines Point, RouteNote and the rest is declared as a dependency, as protoc would.
    expect(extensionsFile.dependency).toEqual([routeGuideFile.name]);
  });

  it('describes routeguide.RouteGuide with its four methods and their streaming shapes', async () => {
    const response = await reflect(reflection, { file_containing_symbol: 'routeguide.RouteGuide' });
    const files = decodeFiles(response);
    const service = files.flatMap((file) => file.service).find((candidate) => candidate.name === 'RouteGuide');
    expect(service).toBeDefined();
    const methods = Object.fromEntries(
      service!.method.map((method) => [method.name, [method.inputType, method.outputType, method.clientStreaming, method.serverStreaming]]),
    );
    expect(methods).toEqual({
      GetFeature: ['.routeguide.Point', '.routeguide.Feature', false, false],
      ListFeatures: ['.routeguide.Rectangle', '.routeguide.Feature', false, true],
      RecordRoute: ['.routeguide.Point', '.routeguide.RouteSummary', true, false],
      RouteChat: ['.routeguide.RouteNote', '.routeguide.RouteNote', true, true],
    });
    const messages = files.flatMap((file) => file.messageType);
    expect(messages.map((message) => message.name)).toEqual(expect.arrayContaining(['Point', 'Rectangle', 'Feature', 'RouteNote', 'RouteSummary']));
    // As protoc writes them: fully-qualified type names and JSON names filled in.
    const rectangle = messages.find((message) => message.name === 'Rectangle')!;
    expect(rectangle.field.map((field) => [field.name, field.typeName, field.jsonName])).toEqual([
      ['lo', '.routeguide.Point', 'lo'],
      ['hi', '.routeguide.Point', 'hi'],
    ]);
    const summary = messages.find((message) => message.name === 'RouteSummary')!;
    expect(summary.field.map((field) => field.jsonName)).toEqual(['pointCount', 'featureCount', 'distance', 'elapsedTime']);
  });

  it('describes each file as protoc compiles it: its own name, field names as declared, options', async () => {
    const response = await reflect(reflection, { file_containing_symbol: 'routeguide.extensions.v1.RouteGuideExtensions' });
    const files = decodeFiles(response);
    expect(files.map((file) => file.name).sort()).toEqual(['route_guide.proto', 'route_guide_extensions.proto']);
    const routeGuideFile = files.find((file) => file.name === 'route_guide.proto')!;
    const summary = routeGuideFile.messageType.find((message) => message.name === 'RouteSummary')!;
    expect(summary.field.map((field) => field.name)).toEqual(['point_count', 'feature_count', 'distance', 'elapsed_time']);
    expect(routeGuideFile.options?.javaPackage).toBe('io.grpc.examples.routeguide');
    const health = decodeFiles(await reflect(reflection, { file_containing_symbol: 'grpc.health.v1.Health' }));
    expect(health.map((file) => file.name)).toEqual(['health/v1/health.proto']);
    // A map field's entry is named as protoc names it, so that clients link the file as it is.
    const list = health[0]!.messageType.find((message) => message.name === 'HealthListResponse')!;
    expect(list.nestedType.map((nested) => nested.name)).toEqual(['StatusesEntry']);
  });

  it('describes the health service too', async () => {
    const response = await reflect(reflection, { file_containing_symbol: 'grpc.health.v1.Health' });
    const files = decodeFiles(response);
    expect(files.flatMap((file) => file.service.map((service) => `${file.package}.${service.name}`))).toContain('grpc.health.v1.Health');
  });

  it('gives descriptors enough to call PostNote from JSON, as grpcurl -d does', async () => {
    const response = await reflect(reflection, { file_containing_symbol: 'routeguide.extensions.v1.RouteGuideExtensions' });
    // A registry links files in order: the imported file first, as grpcurl's resolver needs no help with.
    const files = decodeFiles(response).sort((a, b) => a.dependency.length - b.dependency.length);
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: files }));
    const method = registry.getService('routeguide.extensions.v1.RouteGuideExtensions')!.methods.find((candidate) => candidate.name === 'PostNote')!;
    const client = new Client(server.target, credentials.createInsecure());
    try {
      const reply = await new Promise<JsonValue>((resolve, reject) => {
        client.makeUnaryRequest(
          `/routeguide.extensions.v1.RouteGuideExtensions/${method.name}`,
          (json: JsonValue) => Buffer.from(toBinary(method.input, fromJson(method.input, json))),
          (bytes: Buffer) => toJson(method.output, fromBinary(method.output, bytes)),
          { location: { latitude: 3, longitude: 4 }, message: 'from JSON' },
          (error, value) => (error ? reject(error) : resolve(value!)),
        );
      });
      expect(reply).toEqual({});
    } finally {
      client.close();
    }
  });

  it('gives descriptors enough to call GetFeature from JSON, as grpcurl -d does', async () => {
    const response = await reflect(reflection, { file_containing_symbol: 'routeguide.RouteGuide' });
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: decodeFiles(response) }));
    const method = registry.getService('routeguide.RouteGuide')!.methods.find((candidate) => candidate.name === 'GetFeature')!;
    const client = new Client(server.target, credentials.createInsecure());
    try {
      const reply = await new Promise<JsonValue>((resolve, reject) => {
        client.makeUnaryRequest(
          `/routeguide.RouteGuide/${method.name}`,
          (json: JsonValue) => Buffer.from(toBinary(method.input, fromJson(method.input, json))),
          (bytes: Buffer) => toJson(method.output, fromBinary(method.output, bytes)),
          { latitude: 409146138, longitude: -746188906 },
          (error, value) => (error ? reject(error) : resolve(value!)),
        );
      });
      expect(reply).toEqual({
        name: 'Berkshire Valley Management Area Trail, Jefferson, NJ, USA',
        location: { latitude: 409146138, longitude: -746188906 },
      });
    } finally {
      client.close();
    }
  });
});
