#!/usr/bin/env node
// A protoc plugin (buf.gen.yaml runs it): ts-proto's grpc-js service definitions and clients, with
// the messages imported from ts-proto's messages-only output instead of defined a second time.
//
// ts-proto has no services-only mode: `onlyTypes` also drops the encode/decode functions that the
// service definitions call. It does import, rather than generate, every type of a file named in an
// `M` option. So this plugin moves each file's messages and enums into a companion file, maps each
// companion to the messages output with `M`, and runs ts-proto on the request it then has.
//
// Options: `messages=DIR`, the messages output relative to this plugin's `out`; the rest go to ts-proto.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { posix } from 'node:path';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { CodeGeneratorRequestSchema, FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';

const request = fromBinary(CodeGeneratorRequestSchema, readFileSync(0));
const options = request.parameter.split(',').filter((option) => option !== '');
const messagesOption = options.find((option) => option.startsWith('messages='));
if (messagesOption === undefined) fail('the messages=DIR option is required');
const messagesDir = messagesOption.slice('messages='.length);

/** `route_guide.proto` -> `route_guide.messages.proto`, the companion that holds its messages. */
const companionOf = (name) => name.replace(/\.proto$/, '.messages.proto');
/** Where the messages output has the module of `name`, as an import from this plugin's module of it. */
function messagesModuleOf(name) {
  const module = posix.join(posix.relative(posix.dirname(name), '.'), messagesDir, name.replace(/\.proto$/, '.js'));
  return module.startsWith('.') ? module : `./${module}`;
}

const companions = request.protoFile.map((file) =>
  create(FileDescriptorProtoSchema, {
    name: companionOf(file.name),
    package: file.package,
    dependency: file.dependency.map(companionOf),
    messageType: file.messageType,
    enumType: file.enumType,
    extension: file.extension,
    options: file.options,
    syntax: file.syntax,
    edition: file.edition,
  }),
);
for (const file of request.protoFile) {
  file.dependency = [companionOf(file.name), ...file.dependency.map(companionOf)];
  file.messageType = [];
  file.enumType = [];
  file.extension = [];
}
request.protoFile = [...companions, ...request.protoFile];
request.parameter = [
  ...options.filter((option) => option !== messagesOption),
  ...companions.map((companion, index) => `M${companion.name}=${messagesModuleOf(request.protoFile[companions.length + index].name)}`),
].join(',');

const tsProto = createRequire(import.meta.url).resolve('ts-proto/protoc-gen-ts_proto');
const result = spawnSync(process.execPath, [tsProto], { input: toBinary(CodeGeneratorRequestSchema, request), maxBuffer: 256 * 1024 * 1024 });
if (result.status !== 0) fail(`ts-proto failed: ${result.stderr}`);
process.stdout.write(result.stdout);

function fail(message) {
  process.stderr.write(`protoc-gen-grpc-js-services: ${message}\n`);
  process.exit(1);
}
