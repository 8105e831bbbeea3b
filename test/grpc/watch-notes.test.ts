import http2 from 'node:http2';
import { credentials, Metadata, status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { RouteGuideExtensionsClient } from '../../src/gen/grpc-js/route_guide_extensions.js';
import { Rectangle, type RouteNote } from '../../src/gen/messages/route_guide.js';
import { startTestServer, type TestServer } from '../support/servers.js';
import { grpcFrame } from '../support/stalled-client.js';
import { eventually } from '../support/wait.js';

const note = (latitude: number, longitude: number, message: string): RouteNote => ({ location: { latitude, longitude }, message });
const box = (loLat: number, loLng: number, hiLat: number, hiLng: number): Rectangle => ({
  lo: { latitude: loLat, longitude: loLng },
  hi: { latitude: hiLat, longitude: hiLng },
});

/** A watch that collects what it receives and how it ended. */
function watch(client: RouteGuideExtensionsClient, rectangle: Rectangle) {
  const call: ClientReadableStream<RouteNote> = client.watchNotes(rectangle, new Metadata());
  const received: string[] = [];
  call.on('data', (delivered: RouteNote) => received.push(delivered.message));
  const ended = new Promise<ServiceError | undefined>((resolve) => {
    call.on('error', (error: ServiceError) => resolve(error));
    call.on('end', () => resolve(undefined));
  });
  return { call, received, ended };
}

describe('WatchNotes and PostNote', () => {
  let server: TestServer | undefined;
  const clients: RouteGuideExtensionsClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await server?.stop();
    server = undefined;
  });

  async function start(options: Parameters<typeof startTestServer>[0] = {}) {
    server = await startTestServer({ empty: true, ...options });
    const extensions = new RouteGuideExtensionsClient(server.target, credentials.createInsecure());
    clients.push(extensions);
    return { server, extensions };
  }

  /** Resolves once the server holds `count` open streams (a watch is registered when its stream is open). */
  async function streamsOpen(count: number): Promise<void> {
    await eventually(() => server!.running.server.openStreams() === count, 5000, `${count} open streams`);
  }

  function postNote(extensions: RouteGuideExtensionsClient, posted: RouteNote) {
    return new Promise<RouteNote[]>((resolve, reject) =>
      extensions.postNote(posted, (error, response) => (error ? reject(error) : resolve(response!.earlierNotes))),
    );
  }

  it('delivers every note stored after the watch began inside its rectangle, edges included, in storage order, from RouteChat and PostNote', async () => {
    const { server, extensions } = await start();
    await postNote(extensions, note(5, 5, 'before the watch'));
    const watcher = watch(extensions, box(10, 10, 0, 0)); // Any two opposite corners.
    await streamsOpen(1);
    await postNote(extensions, note(0, 0, 'corner'));
    for await (const _ of server.client.routeChat([note(10, 10, 'other corner'), note(11, 5, 'outside'), note(5, 5, 'inside')])) {
      // Replays of earlier notes; not what this test looks at.
    }
    await postNote(extensions, note(5, 10, 'edge'));
    await eventually(() => watcher.received.length === 4, 5000, 'four notes delivered');
    expect(watcher.received).toEqual(['corner', 'other corner', 'inside', 'edge']);
    watcher.call.cancel();
  });

  it('gives many watchers over overlapping rectangles exactly their own notes, each once, in order', async () => {
    const { server, extensions } = await start();
    const rectangles = [box(0, 0, 10, 10), box(5, 5, 15, 15), box(0, 0, 20, 20), box(100, 100, 200, 200)];
    const watchers = rectangles.map((rectangle) => watch(extensions, rectangle));
    await streamsOpen(watchers.length);
    const notes = Array.from({ length: 60 }, (_, i) => note(i % 21, (i * 7) % 21, `n${i}`));
    // Several writers at once: the order that counts is the order stored, the same for every watcher.
    await Promise.all([0, 1, 2].map((part) => (async () => {
      for (const posted of notes.filter((_, i) => i % 3 === part)) await postNote(extensions, posted);
    })()));
    const inside = (rectangle: Rectangle, posted: RouteNote) =>
      posted.location!.latitude >= Math.min(rectangle.lo!.latitude, rectangle.hi!.latitude) &&
      posted.location!.latitude <= Math.max(rectangle.lo!.latitude, rectangle.hi!.latitude) &&
      posted.location!.longitude >= Math.min(rectangle.lo!.longitude, rectangle.hi!.longitude) &&
      posted.location!.longitude <= Math.max(rectangle.lo!.longitude, rectangle.hi!.longitude);
    const stored = (await server.running.storage.notesAfter(0, 1000)).map((feedNote) => ({
      location: { latitude: feedNote.latitude, longitude: feedNote.longitude },
      message: feedNote.message,
    }));
    for (const [i, rectangle] of rectangles.entries()) {
      const expected = stored.filter((posted) => inside(rectangle, posted)).map((posted) => posted.message);
      await eventually(() => watchers[i]!.received.length >= expected.length, 5000, `watcher ${i}'s notes`);
      expect(watchers[i]!.received).toEqual(expected);
    }
    for (const watcher of watchers) watcher.call.cancel();
  });

  it('is not ended by the stream idle timeout while its rectangle is quiet', async () => {
    const { extensions } = await start({ streamIdleTimeoutMs: 150 });
    const watcher = watch(extensions, box(0, 0, 1, 1));
    await streamsOpen(1);
    // A RouteChat stream as quiet as the watch is ended by the idle timeout; the watch is not.
    const chat = server!.client.raw.routeChat();
    const chatEnded = new Promise<ServiceError>((resolve) => chat.on('error', resolve));
    expect((await chatEnded).code).toBe(status.DEADLINE_EXCEEDED);
    await postNote(extensions, note(1, 1, 'after a long quiet'));
    await eventually(() => watcher.received.length === 1, 5000, 'the note to arrive');
    expect(watcher.received).toEqual(['after a long quiet']);
    watcher.call.cancel();
  });

  it('ends a watcher that does not read with RESOURCE_EXHAUSTED past --watch-buffer, holding a bounded number of notes', async () => {
    const { server } = await start({ watchBuffer: 50 });
    // A raw HTTP/2 client that stops reading, so that flow control pushes back on the server.
    const session = http2.connect(`http://127.0.0.1:${server.running.port}`);
    session.on('error', () => {});
    const stream = session.request({
      ':method': 'POST',
      ':path': '/routeguide.extensions.v1.RouteGuideExtensions/WatchNotes',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    stream.end(grpcFrame(Rectangle.encode(box(0, 0, 90, 90)).finish()));
    stream.pause();
    const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => stream.on('trailers', resolve));
    let bytes = 0;
    try {
      await streamsOpen(1);
      // Far more notes than the flow-control window and the buffer hold together.
      const notes = Array.from({ length: 6000 }, (_, i) => note(1 + (i % 80), 1 + Math.floor(i / 80), `note number ${i} with words to take room`));
      for await (const _ of server.client.routeChat(notes)) {
        // Each location is new: nothing is replayed.
      }
      // The watch ended on the server while its client was still not reading.
      await streamsOpen(0);
      stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
      stream.resume();
      const received = await trailers;
      expect(received['grpc-status']).toBe(String(status.RESOURCE_EXHAUSTED));
      expect(decodeURIComponent(String(received['grpc-message']))).toBe(
        'the watch fell more than 50 notes behind; read faster or watch a smaller rectangle',
      );
      // What was sent before the end is bounded by flow control and the buffer, far short of 6000 notes.
      expect(bytes).toBeLessThan(6000 * 40);
    } finally {
      stream.close(http2.constants.NGHTTP2_CANCEL);
      session.destroy();
    }
  });

  it('shutdown ends a watch with UNAVAILABLE as soon as it starts, while other streams get their grace', async () => {
    const { server, extensions } = await start();
    const watcher = watch(extensions, box(0, 0, 1, 1));
    const chat = server.client.raw.routeChat();
    chat.on('error', () => {});
    chat.write(note(3, 3, 'open'));
    await streamsOpen(2);
    const stopping = server.running.stop(10_000);
    const error = await watcher.ended;
    expect(error?.code).toBe(status.UNAVAILABLE);
    // The RouteChat stream is still within its grace period.
    expect(server.running.server.openStreams()).toBe(1);
    chat.end();
    await stopping;
    (server as { stop?: unknown }).stop = async () => {};
  });

  it('PostNote is one RouteChat step: stored before the reply, earlier notes oldest first and capped, never the new note', async () => {
    const { server, extensions } = await start({ replayLimit: 2 });
    expect(await postNote(extensions, note(7, 7, 'first'))).toEqual([]);
    for await (const _ of server.client.routeChat([note(7, 7, 'second')])) {
      // Replays "first".
    }
    expect((await postNote(extensions, note(7, 7, 'third'))).map((earlier) => earlier.message)).toEqual(['first', 'second']);
    expect((await postNote(extensions, note(7, 7, 'fourth'))).map((earlier) => earlier.message)).toEqual(['second', 'third']);
    const replayed: string[] = [];
    for await (const earlier of server.client.routeChat([note(7, 7, 'fifth')])) replayed.push(earlier.message);
    expect(replayed).toEqual(['third', 'fourth']);
  });

  it('PostNote validates as RouteChat does', async () => {
    const { extensions } = await start();
    await expect(postNote(extensions, note(7, 7, 'x'.repeat(1025)))).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'message: is 1025 UTF-8 bytes long; must be at most 1024 bytes',
    });
    await expect(postNote(extensions, { location: undefined, message: 'nowhere' })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'location: is required: a RouteNote needs a location',
    });
  });
});
