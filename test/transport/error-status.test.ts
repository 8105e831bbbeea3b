import { Code as ConnectCode } from '@connectrpc/connect';
import { status as GrpcCode } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { CallAborted, Code, invalidArgument, RouteGuideError } from '../../src/service/errors.js';
import { StorageUnavailableError } from '../../src/storage/errors.js';
import { errorStatus } from '../../src/transport/error-status.js';
import { captureLog } from '../support/captured-log.js';

describe('errorStatus, the one table from errors to statuses', () => {
  it('sends a RouteGuideError with its own code and message, logging nothing', () => {
    const captured = captureLog();
    expect(errorStatus(invalidArgument('lo.latitude: must be between -900000000 and 900000000'), captured.log, 'ListFeatures')).toEqual({
      code: Code.INVALID_ARGUMENT,
      message: 'lo.latitude: must be between -900000000 and 900000000',
    });
    expect(errorStatus(new RouteGuideError(Code.UNAVAILABLE, 'starting: loading 100 features'), captured.log, 'GetFeature')).toEqual({
      code: Code.UNAVAILABLE,
      message: 'starting: loading 100 features',
    });
    expect(captured.lines).toEqual([]);
  });

  it('makes storage that cannot be reached UNAVAILABLE without its details, logged as a warning', () => {
    const captured = captureLog();
    const error = new StorageUnavailableError('PostgreSQL at postgres://db/rg is unavailable: connection refused');
    expect(errorStatus(error, captured.log, 'PostNote')).toEqual({ code: Code.UNAVAILABLE, message: 'storage unavailable; try again' });
    expect(captured.lines).toMatchObject([{ level: 40, msg: 'storage unavailable', method: 'PostNote', reason: error.message }]);
  });

  it('makes an aborted call CANCELLED, logging nothing', () => {
    const captured = captureLog();
    expect(errorStatus(new CallAborted(), captured.log, 'RouteChat')).toEqual({ code: Code.CANCELLED, message: 'the call was cancelled' });
    expect(captured.lines).toEqual([]);
  });

  it('makes anything else INTERNAL without internals, logging it with its stack as a bug', () => {
    const captured = captureLog();
    const bug = new TypeError("Cannot read properties of undefined (reading 'size')");
    expect(errorStatus(bug, captured.log, 'GetFeature')).toEqual({ code: Code.INTERNAL, message: 'internal error' });
    expect(errorStatus(new RouteGuideError(Code.OK, 'not an error'), captured.log, 'GetFeature')).toEqual({ code: Code.INTERNAL, message: 'internal error' });
    expect(captured.lines).toHaveLength(2);
    expect(captured.lines[0]).toMatchObject({ level: 50, msg: 'unexpected error in handler', method: 'GetFeature', err: { stack: bug.stack } });
  });
});

describe('the service\'s codes on the wire', () => {
  it('are numbered as gRPC and Connect number theirs, so that each transport sends the number as it is', () => {
    const names = Object.keys(Code).filter((key) => Number.isNaN(Number(key)));
    expect(names).toHaveLength(17);
    for (const name of names) {
      const code = Code[name as keyof typeof Code];
      expect(GrpcCode[name as keyof typeof GrpcCode], name).toBe(code);
    }
    // Connect spells the names in CamelCase and "Canceled" with one l.
    const connect = (name: string): string => name.toLowerCase().replace(/_/g, '').replace('cancelled', 'canceled');
    for (const [name, number] of Object.entries(ConnectCode).filter(([, value]) => typeof value === 'number')) {
      const service = names.find((candidate) => connect(candidate) === name.toLowerCase());
      expect(service, name).toBeDefined();
      expect(Code[service as keyof typeof Code], name).toBe(number);
    }
  });
});
