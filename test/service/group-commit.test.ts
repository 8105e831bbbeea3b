import { describe, expect, it } from 'vitest';
import { nextTurn } from '../../src/common/event-loop.js';
import type { RouteNote } from '../../src/gen/messages/route_guide.js';
import { FeatureIndex } from '../../src/index/feature-index.js';
import { CallAborted, invalidArgument } from '../../src/service/errors.js';
import { createGroupCommit, MAX_NOTES_PER_COMMIT } from '../../src/service/group-commit.js';
import { createRouteGuide } from '../../src/service/route-guide.js';
import type { ValidRouteNote } from '../../src/service/validation.js';
import { createMemoryStorage } from '../../src/storage/memory.js';
import type { StoredNote } from '../../src/storage/storage.js';
import { observeCommits } from '../support/observed-storage.js';
import { eventually } from '../support/wait.js';

/** A call that nobody cancels. */
const live = { signal: new AbortController().signal };
const stored = (latitude: number, message: string): StoredNote => ({ latitude, longitude: 0, message });
const chatNote = (latitude: number, message: string): ValidRouteNote => ({ location: { latitude, longitude: 0 }, message });
const messages = (notes: readonly { readonly message: string }[]): string[] => notes.map((note) => note.message);

async function* from<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

/** Takes a chat's replies to the end, as a transport writes them: `take` may wait, or throw to stop. */
async function takeAll(replies: AsyncIterable<RouteNote>, take: (note: RouteNote) => void | Promise<void> = () => {}): Promise<void> {
  for await (const note of replies) await take(note);
}

describe('group commit (in process, memory storage)', () => {
  it('commits the notes handed in during one turn in one transaction, in order, each answered with the notes stored before it there', async () => {
    const observed = observeCommits(createMemoryStorage());
    await observed.storage.addNotes([stored(1, 'old')]);
    const commits = createGroupCommit({ storage: observed.storage, replayLimit: 10 });
    const answers = [stored(1, 'a'), stored(2, 'b'), stored(1, 'c')].map((note) => commits.store(note));
    expect((await Promise.all(answers)).map(messages)).toEqual([['old'], [], ['old', 'a']]);
    expect(observed.commits.map(messages)).toEqual([['old'], ['a', 'b', 'c']]);
  });

  it('places the notes of one turn in one batch: one commit promise for all, each note answered at its index', async () => {
    const observed = observeCommits(createMemoryStorage());
    await observed.storage.addNotes([stored(1, 'old')]);
    const commits = createGroupCommit({ storage: observed.storage, replayLimit: 10 });
    const placements = [stored(1, 'a'), stored(2, 'b'), stored(1, 'c')].map((note) => commits.place(note));
    expect(new Set(placements.map((placement) => placement.committed)).size).toBe(1);
    expect(placements.map((placement) => placement.index)).toEqual([0, 1, 2]);
    const replays = await placements[0]!.committed;
    expect(placements.map(({ index }) => messages(replays[index]!))).toEqual([['old'], [], ['old', 'a']]);
    // The next turn's notes go into a batch of their own.
    const next = commits.place(stored(1, 'd'));
    expect(next.committed).not.toBe(placements[0]!.committed);
    expect(next.index).toBe(0);
    expect(messages((await next.committed)[0]!)).toEqual(['old', 'a', 'c']);
  });

  it('never reports a failed batch as an unhandled rejection, though nobody awaits its notes', async () => {
    const observed = observeCommits(createMemoryStorage());
    const commits = createGroupCommit({ storage: observed.storage, replayLimit: 10 });
    const unhandled: unknown[] = [];
    const listener = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      observed.failNext(new Error('disk full'));
      const placement = commits.place(stored(6, 'lost'));
      await eventually(() => observed.attempts() === 1, 5000, 'the commit to be tried');
      await nextTurn();
      await nextTurn();
      expect(unhandled).toEqual([]);
      await expect(placement.committed).rejects.toThrow('disk full');
    } finally {
      process.off('unhandledRejection', listener);
    }
  });

  it('puts every note handed in while a commit is in flight into the next single commit', async () => {
    const observed = observeCommits(createMemoryStorage());
    const commits = createGroupCommit({ storage: observed.storage, replayLimit: 10 });
    const release = observed.hold();
    const first = commits.store(stored(1, 'first'));
    await eventually(() => observed.attempts() === 1, 5000, 'the first commit to start');
    const later: Promise<readonly StoredNote[]>[] = [];
    for (const message of ['second', 'third', 'fourth']) {
      later.push(commits.store(stored(1, message)));
      // Separate turns: only the commit in flight gathers them.
      await nextTurn();
    }
    expect(observed.attempts()).toBe(1);
    release();
    await first;
    expect((await Promise.all(later)).map(messages)).toEqual([['first'], ['first', 'second'], ['first', 'second', 'third']]);
    expect(observed.commits.map(messages)).toEqual([['first'], ['second', 'third', 'fourth']]);
  });

  it(`splits a backlog into commits of at most ${MAX_NOTES_PER_COMMIT} notes, keeping order and replays across them`, async () => {
    const observed = observeCommits(createMemoryStorage());
    const commits = createGroupCommit({ storage: observed.storage, replayLimit: 5000 });
    const total = 2 * MAX_NOTES_PER_COMMIT + 452;
    const answers = await Promise.all(Array.from({ length: total }, (_, i) => commits.store(stored(3, `n${i}`))));
    expect(observed.commits.map((commit) => commit.length)).toEqual([MAX_NOTES_PER_COMMIT, MAX_NOTES_PER_COMMIT, 452]);
    for (const i of [0, 1, MAX_NOTES_PER_COMMIT - 1, MAX_NOTES_PER_COMMIT, MAX_NOTES_PER_COMMIT + 1, total - 1]) {
      expect(messages(answers[i]!)).toEqual(Array.from({ length: i }, (_, j) => `n${j}`));
    }
  });

  it('caps each answer at the replay limit, most recent last, counting the notes ahead of it in the same commit', async () => {
    const storage = createMemoryStorage();
    await storage.addNotes([stored(4, 'old 1'), stored(4, 'old 2')]);
    const commits = createGroupCommit({ storage, replayLimit: 2 });
    const answers = await Promise.all(['a', 'b', 'c'].map((message) => commits.store(stored(4, message))));
    expect(answers.map(messages)).toEqual([['old 1', 'old 2'], ['old 2', 'a'], ['a', 'b']]);
  });

  it('fails every note of a failed commit with the same error and stores none of them; the next commit goes on', async () => {
    const observed = observeCommits(createMemoryStorage());
    const commits = createGroupCommit({ storage: observed.storage, replayLimit: 10 });
    const failure = new Error('disk full');
    observed.failNext(failure);
    const outcomes = await Promise.allSettled(['a', 'b', 'c'].map((message) => commits.store(stored(5, message))));
    expect(outcomes).toEqual(outcomes.map(() => ({ status: 'rejected', reason: failure })));
    expect(observed.commits).toEqual([]);
    expect(messages(await commits.store(stored(5, 'after')))).toEqual([]);
    expect(messages(await observed.storage.notesAt(5, 0, 10))).toEqual(['after']);
  });

  it('answers each note with exactly the notes stored before it at its location, so it sees every note acknowledged before it was handed in', { timeout: 30_000 }, async () => {
    const storage = createMemoryStorage();
    const commits = createGroupCommit({ storage, replayLimit: 100_000 });
    const LOCATIONS = 3;
    const acknowledged: string[][] = Array.from({ length: LOCATIONS }, () => []);
    const seen: { message: string; location: number; ackedBefore: string[]; replay: string[] }[] = [];
    let turns = 7;
    await Promise.all(
      Array.from({ length: 30 }, async (_, task) => {
        for (let i = 0; i < 20; i++) {
          const location = (task * 7 + i) % LOCATIONS;
          const message = `t${task}-${i}`;
          const ackedBefore = [...acknowledged[location]!];
          const replay = messages(await commits.store(stored(location, message)));
          acknowledged[location]!.push(message);
          seen.push({ message, location, ackedBefore, replay });
          // Tasks drift apart by a deterministic number of turns, so commits mix them differently.
          turns = (turns * 31 + 11) % 5;
          for (let t = 0; t < turns; t++) await nextTurn();
        }
      }),
    );
    const final = await Promise.all(Array.from({ length: LOCATIONS }, async (_, location) => messages(await storage.notesAt(location, 0, 100_000))));
    expect(seen).toHaveLength(600);
    for (const { message, location, ackedBefore, replay } of seen) {
      const at = final[location]!.indexOf(message);
      expect(replay).toEqual(final[location]!.slice(0, at));
      for (const earlier of ackedBefore) expect(replay).toContain(earlier);
    }
  });
});

describe('RouteChat over group commit (in process, memory storage)', () => {
  function guideOver(observed: ReturnType<typeof observeCommits>, replayLimit = 1000) {
    return createRouteGuide({ index: new FeatureIndex(), storage: observed.storage, replayLimit });
  }

  it("reads a stream's next note before the previous one commits", async () => {
    const observed = observeCommits(createMemoryStorage());
    const guide = guideOver(observed);
    const release = observed.hold();
    let pulled = 0;
    async function* notes(): AsyncGenerator<ValidRouteNote> {
      for (const message of ['a', 'b', 'c']) {
        pulled++;
        yield chatNote(6, message);
      }
    }
    const sent: string[] = [];
    const chat = takeAll(guide.routeChat(notes(), live), (note) => void sent.push(note.message));
    await eventually(() => pulled === 3, 5000, 'all three notes to be read while the first commit is held');
    expect(observed.commits).toEqual([]);
    release();
    await chat;
    expect(sent).toEqual(['a', 'a', 'b']);
  });

  it("sends no reply before its note is committed, and keeps each stream's replies in its notes' order, in fewer commits than notes", async () => {
    const observed = observeCommits(createMemoryStorage());
    const guide = guideOver(observed);
    const STREAMS = 8;
    const NOTES = 6;
    // Every reply starts with the stream's seed note, so a seed marks the reply to the stream's next note.
    await observed.storage.addNotes(Array.from({ length: STREAMS }, (_, s) => stored(10 + s, `seed ${s}`)));
    const received: string[][] = Array.from({ length: STREAMS }, () => []);
    await Promise.all(
      Array.from({ length: STREAMS }, (_, s) => {
        let answering = -1;
        return takeAll(guide.routeChat(from(Array.from({ length: NOTES }, (_, k) => chatNote(10 + s, `${s}-${k}`))), live), (note) => {
          if (note.message === `seed ${s}`) {
            answering++;
            expect(observed.isCommitted(`${s}-${answering}`)).toBe(true);
          }
          received[s]!.push(note.message);
        });
      }),
    );
    for (let s = 0; s < STREAMS; s++) {
      const expected = Array.from({ length: NOTES }, (_, k) => [`seed ${s}`, ...Array.from({ length: k }, (_, j) => `${s}-${j}`)]).flat();
      expect(received[s]).toEqual(expected);
    }
    const chatCommits = observed.commits.slice(1);
    expect(chatCommits.flat()).toHaveLength(STREAMS * NOTES);
    expect(chatCommits.length).toBeLessThan(STREAMS * NOTES);
  });

  it('ends every stream whose note was in a failed commit with that commit error, storing none of their notes', async () => {
    const observed = observeCommits(createMemoryStorage());
    const guide = guideOver(observed);
    const failure = new Error('disk full');
    observed.failNext(failure);
    const chats = Array.from({ length: 4 }, (_, s) => takeAll(guide.routeChat(from([chatNote(20, `s${s}`)]), live)));
    expect(await Promise.allSettled(chats)).toEqual(chats.map(() => ({ status: 'rejected', reason: failure })));
    expect(await observed.storage.notesAt(20, 0, 10)).toEqual([]);
  });

  it('ends with the storage\'s own "closed" error when the storage is closed, as a single write did', async () => {
    const storage = createMemoryStorage();
    const guide = createRouteGuide({ index: new FeatureIndex(), storage, replayLimit: 10 });
    await storage.close();
    await expect(takeAll(guide.routeChat(from([chatNote(21, 'late')]), live))).rejects.toThrow('memory storage is closed');
  });

  it('answers the notes read before a bad one, then ends with its error; those notes stay stored', async () => {
    const observed = observeCommits(createMemoryStorage());
    const guide = guideOver(observed);
    async function* notes(): AsyncGenerator<ValidRouteNote> {
      yield chatNote(30, 'a');
      yield chatNote(30, 'b');
      throw invalidArgument('note[2].location: missing');
    }
    const sent: string[] = [];
    await expect(takeAll(guide.routeChat(notes(), live), (note) => void sent.push(note.message))).rejects.toThrow('note[2].location: missing');
    expect(sent).toEqual(['a']);
    expect(messages(await observed.storage.notesAt(30, 0, 10))).toEqual(['a', 'b']);
  });

  it('settles only once every note it handed to the group commit has committed, even when a reply fails first', async () => {
    const observed = observeCommits(createMemoryStorage());
    await observed.storage.addNotes([stored(40, 'old')]);
    const guide = guideOver(observed);
    const call = new AbortController();
    let release: (() => void) | undefined;
    async function* notes(): AsyncGenerator<ValidRouteNote> {
      yield chatNote(40, 'a');
      await eventually(() => observed.isCommitted('a'), 5000, 'a to commit');
      // b's commit is held, so it is still in flight when a's reply fails.
      release = observed.hold();
      yield chatNote(40, 'b');
      // The client goes quiet.
      await new Promise(() => {});
    }
    let settled = false;
    const chat = takeAll(guide.routeChat(notes(), { signal: call.signal }), async () => {
      await eventually(() => observed.attempts() === 3, 5000, "b's commit to start");
      call.abort();
      throw new CallAborted();
    }).finally(() => (settled = true));
    await eventually(() => call.signal.aborted, 5000, 'the reply to fail');
    for (let t = 0; t < 5; t++) await nextTurn();
    expect(settled).toBe(false);
    release!();
    await expect(chat).rejects.toBeInstanceOf(CallAborted);
    expect(messages(await observed.storage.notesAt(40, 0, 10))).toEqual(['old', 'a', 'b']);
  });
});
