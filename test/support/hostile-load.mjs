// The hostile part of test/e2e/hostile-mix.test.ts, run as a process of its own so that its load
// does not share an event loop with the client whose latencies the test measures:
//   node hostile-load.mjs GRPC_PORT HTTP_PORT DURATION_MS NOTE_HEX RECTANGLE_HEX
// For DURATION_MS it keeps 2,000 connections stalled half-way through a request (1,000 on the
// gRPC port with half the HTTP/2 preface; 500 on the HTTP port with half their headers; 500 with
// their headers and half a body), reopening each one the server closes; floods PostNote as one
// anonymous client (4 calls in flight); and opens WatchNotes streams without end as another. Then it
// prints what happened as one JSON line and exits.
import { connect } from 'node:net';
import { Client, credentials, Metadata } from '@grpc/grpc-js';

const [grpcPort, httpPort, durationMs, noteHex, rectangleHex, parts = 'stall,flood,streams'] = process.argv.slice(2);
const running = new Set(parts.split(','));
const note = Buffer.from(noteHex, 'hex');
const rectangle = Buffer.from(rectangleHex, 'hex');
const identity = (bytes) => bytes;
const stopAt = Date.now() + Number(durationMs);
let stopping = false;
const stats = {
  stalled: { open: 0, reopened: 0 },
  flood: { ok: 0, refused: 0, other: 0 },
  streams: { attempts: 0, refused: 0, other: 0 },
};

const POST_NOTE = '/routeguide.extensions.v1.RouteGuideExtensions/PostNote';
const WATCH_NOTES = '/routeguide.extensions.v1.RouteGuideExtensions/WatchNotes';
const STALLS = [
  { count: 1000, port: Number(grpcPort), bytes: 'PRI * HTTP/2' },
  { count: 500, port: Number(httpPort), bytes: `POST ${POST_NOTE} HTTP/1.1\r\nHost: x\r\nContent-Ty` },
  { count: 500, port: Number(httpPort), bytes: `POST ${POST_NOTE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"location":` },
];

const sockets = new Set();
function stall({ port, bytes }) {
  const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
  sockets.add(socket);
  stats.stalled.open++;
  socket.on('error', () => {});
  socket.resume();
  socket.once('close', () => {
    sockets.delete(socket);
    stats.stalled.open--;
    if (stopping) return;
    stats.stalled.reopened++;
    setTimeout(() => stall({ port, bytes }), 10);
  });
}
// Opened in batches, as a client of many connections would.
for (const kind of running.has('stall') ? STALLS : []) {
  for (let i = 0; i < kind.count; i += 100) {
    setTimeout(() => {
      for (let j = 0; j < 100 && !stopping; j++) stall(kind);
    }, i / 10);
  }
}

const flooder = new Client(`127.0.0.1:${grpcPort}`, credentials.createInsecure(), { 'grpc.primary_user_agent': 'flooder' });
async function flood() {
  while (Date.now() < stopAt) {
    await new Promise((resolve) =>
      flooder.makeUnaryRequest(POST_NOTE, identity, identity, note, new Metadata(), {}, (error) => {
        if (!error) stats.flood.ok++;
        else if (error.code === 8) stats.flood.refused++;
        else stats.flood.other++;
        resolve();
      }),
    );
  }
}

// Two connections: one would hold at most --max-concurrent-streams (100) and queue the rest itself.
const openers = [0, 1].map((i) => new Client(`127.0.0.1:${grpcPort}`, credentials.createInsecure(), { 'grpc.primary_user_agent': `opener-${i}` }));
const calls = [];
const opening = setInterval(() => {
  if (Date.now() >= stopAt || !running.has('streams')) return;
  const call = openers[stats.streams.attempts++ % 2].makeServerStreamRequest(WATCH_NOTES, identity, identity, rectangle, new Metadata(), {});
  calls.push(call);
  call.on('data', () => {});
  call.on('error', (error) => {
    if (stopping) return;
    if (error.code === 8) stats.streams.refused++;
    else stats.streams.other++;
  });
}, 5);

if (running.has('flood')) await Promise.all(Array.from({ length: 4 }, flood));
else await new Promise((resolve) => setTimeout(resolve, Number(durationMs)));
stopping = true;
clearInterval(opening);
process.stdout.write(`${JSON.stringify(stats)}\n`);
for (const call of calls) call.cancel();
for (const socket of sockets) socket.destroy();
flooder.close();
for (const opener of openers) opener.close();
process.exit(0);
