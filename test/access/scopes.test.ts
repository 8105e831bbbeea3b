import { describe, expect, it } from 'vitest';
import { scopeNeeded } from '../../src/access/scopes.js';
import { RouteGuide } from '../../src/gen/es/route_guide_pb.js';
import { RouteGuideExtensions } from '../../src/gen/es/route_guide_extensions_pb.js';

/** The calls that write, as the issue names them; every other call of the two services only reads. */
const WRITES = new Set(['RouteChat', 'PostNote']);

describe('the scope each call needs', () => {
  for (const service of [RouteGuide, RouteGuideExtensions]) {
    for (const method of service.methods) {
      const path = `/${service.typeName}/${method.name}`;
      const scope = WRITES.has(method.name) ? 'write' : 'read';
      it(`${path} needs ${scope}`, () => {
        expect(scopeNeeded(path)).toBe(scope);
      });
    }
  }

  it('a call the services add later needs read unless it is listed as a write', () => {
    expect(scopeNeeded('/routeguide.extensions.v1.RouteGuideExtensions/CountFeatures')).toBe('read');
  });

  it('health, reflection and unknown services stay open', () => {
    for (const path of ['/grpc.health.v1.Health/Check', '/grpc.health.v1.Health/Watch', '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo', '/other.Service/Call']) {
      expect(scopeNeeded(path)).toBeUndefined();
    }
  });
});
