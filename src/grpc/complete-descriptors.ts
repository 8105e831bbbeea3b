import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, type DescriptorProto, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';

/**
 * Makes proto-loader's file descriptors look like protoc's, for reflection clients that expect
 * that. proto-loader writes type names relative to their scope (`Point`), which descriptor.proto
 * allows but some clients do not resolve; these become fully qualified (`.routeguide.Point`) by
 * the C++-like scoping rules. It also leaves out `json_name`, which protoc always fills in.
 */
export function completeDescriptors(files: readonly Uint8Array[]): Buffer[] {
  const decoded = files.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
  const known = new Set<string>();
  for (const file of decoded) collectNames(file, known);
  /** Which file defines each fully qualified name. */
  const definedIn = new Map<string, string>();
  for (const file of decoded) {
    const names = new Set<string>();
    collectNames(file, names);
    for (const name of names) definedIn.set(name, file.name);
  }
  for (const file of decoded) {
    const prefix = file.package === '' ? '' : `.${file.package}`;
    for (const message of file.messageType) qualifyMessage(message, `${prefix}.${message.name}`, known);
    for (const service of file.service) {
      for (const method of service.method) {
        method.inputType = resolve(method.inputType, prefix, known);
        method.outputType = resolve(method.outputType, prefix, known);
      }
    }
    declareDependencies(file, definedIn);
  }
  return decoded.map((file) => Buffer.from(toBinary(FileDescriptorProtoSchema, file)));
}

/**
 * Lists the files whose types `file` refers to as its dependencies, as protoc does from the imports:
 * proto-loader leaves them out, and a client cannot link the file without them.
 */
function declareDependencies(file: FileDescriptorProto, definedIn: ReadonlyMap<string, string>): void {
  const referenced = new Set<string>();
  const visit = (message: DescriptorProto): void => {
    for (const field of [...message.field, ...message.extension]) {
      if (field.typeName !== '') referenced.add(field.typeName);
    }
    for (const nested of message.nestedType) visit(nested);
  };
  for (const message of file.messageType) visit(message);
  for (const service of file.service) {
    for (const method of service.method) referenced.add(method.inputType).add(method.outputType);
  }
  for (const name of referenced) {
    const owner = definedIn.get(name);
    if (owner !== undefined && owner !== file.name && !file.dependency.includes(owner)) file.dependency.push(owner);
  }
}

function collectNames(file: FileDescriptorProto, known: Set<string>): void {
  const prefix = file.package === '' ? '' : `.${file.package}`;
  const visit = (message: DescriptorProto, scope: string): void => {
    const name = `${scope}.${message.name}`;
    known.add(name);
    for (const nested of message.nestedType) visit(nested, name);
    for (const nestedEnum of message.enumType) known.add(`${name}.${nestedEnum.name}`);
  };
  for (const message of file.messageType) visit(message, prefix);
  for (const topEnum of file.enumType) known.add(`${prefix}.${topEnum.name}`);
}

function qualifyMessage(message: DescriptorProto, name: string, known: Set<string>): void {
  for (const field of message.field) {
    if (field.jsonName === '') field.jsonName = jsonNameOf(field.name);
  }
  for (const field of [...message.field, ...message.extension]) {
    if (field.typeName !== '') field.typeName = resolve(field.typeName, name, known);
    if (field.extendee !== '') field.extendee = resolve(field.extendee, name, known);
  }
  for (const nested of message.nestedType) qualifyMessage(nested, `${name}.${nested.name}`, known);
}

/** Looks `reference` up from the innermost scope outwards; leaves it as it is if nothing matches. */
function resolve(reference: string, scope: string, known: Set<string>): string {
  if (reference.startsWith('.') || reference === '') return reference;
  for (let current = scope; ; current = current.slice(0, Math.max(current.lastIndexOf('.'), 0))) {
    const candidate = `${current}.${reference}`;
    if (known.has(candidate)) return candidate;
    if (current === '') return reference;
  }
}

/** protoc's JSON name: underscores dropped, the letter after each one capitalised. */
function jsonNameOf(name: string): string {
  return name.replace(/_+(.?)/g, (_match, next: string) => next.toUpperCase());
}
