import RBush from 'rbush';
import { nextTurn, runInSlices } from '../common/event-loop.js';
import type { FeatureRecord, PointE7 } from '../geo/feature.js';
import { FeatureColumns } from './feature-columns.js';
import { CountGrid, countTreeCells } from './grid-counts.js';
import { findNearest, type NearestOptions } from './nearest.js';
import { compareNearest, mergeNearest, type NearestFound } from './nearest-order.js';
import { emptyView, growView, singleTreeView, type IndexView } from './index-view.js';
import { runToEnd, withSizes, type TreeNode } from './packed-tree.js';
import type { RecentFeatures } from './index-merge.js';
import type { Box, PackedFeatures } from './packed-features.js';
import { PointHash } from './point-hash.js';

export type { Box };

/** Entries per tree node: wider nodes mean fewer node objects per feature (memory) at a small query cost. */
const NODE_SIZE = 16;
/** Name bytes copied between two pauses of recentFeatures. */
const NAME_COPY_BYTES = 4 << 20;
/** The longest a live intake's build keeps the event loop before other calls get a turn. */
const INTAKE_SLICE_MS = 10;
/** How an index is made. */
export interface FeatureIndexOptions {
  /** The longest a live intake keeps the event loop between turns (default INTAKE_SLICE_MS; 0 gives a turn at every pause). */
  readonly intakeSliceMs?: number;
  /** A packed base (an index file's features): the index then holds it plus what it takes in since. */
  readonly base?: PackedFeatures;
}

/** What an intake is told besides its features. */
export interface IntakeOptions {
  /** Skip features whose point the index already holds (for imports that may overlap the initial load). */
  readonly skipIndexed?: boolean;
}

/**
 * rbush over integer feature ids rather than objects: x is longitude, y is latitude, read from the
 * columns. rbush calls toBBox and the comparators unbound, so they are closures, not methods.
 */
function createIdTree(columns: FeatureColumns): RBush<number> {
  const tree = new RBush<number>(NODE_SIZE);
  tree.toBBox = (id) => {
    const x = columns.longitude(id);
    const y = columns.latitude(id);
    return { minX: x, minY: y, maxX: x, maxY: y };
  };
  tree.compareMinX = (a, b) => columns.longitude(a) - columns.longitude(b);
  tree.compareMinY = (a, b) => columns.latitude(a) - columns.latitude(b);
  return tree;
}

function storedFeature(name: string, latitude: number, longitude: number): FeatureRecord {
  return { name, latitude, longitude };
}

function overlaps(node: TreeNode, box: Box): boolean {
  return (
    node.minX <= box.maxLongitude &&
    node.maxX >= box.minLongitude &&
    node.minY <= box.maxLatitude &&
    node.maxY >= box.minLatitude
  );
}

/**
 * Takes one feature of a walk (FeatureIndex.visitWithin): its name as UTF-8 bytes in
 * `names[nameStart..nameEnd)`, and its point. Returns true to pause the walk after this feature.
 */
export type FeatureVisitor = (names: Uint8Array, nameStart: number, nameEnd: number, latitude: number, longitude: number) => boolean;

/** A walk bound to its features (a box, say) that hands each to `visit`, pausing where it asks. */
export type FeatureWalk = (visit: FeatureVisitor) => Iterable<void>;

function found(name: string, latitude: number, longitude: number, distanceMetres: number): NearestFound {
  return { name, latitude, longitude, distanceMetres };
}

/**
 * The spatial index: rectangle and nearest queries over R-trees, and exact-point lookups through
 * hashes of points, over every feature. It holds an optional packed base (an index file's features,
 * read from a mapping: packed-features.ts) and, in the heap, the features taken in since (or every
 * feature, when there is no base): searches walk both, and the two never share a point.
 */
export class FeatureIndex {
  private base: PackedFeatures | undefined;
  private columns = new FeatureColumns();
  private view: IndexView = emptyView();
  /**
   * Point -> id for exact lookups (GetFeature, RecordRoute). It may hold ids beyond the view's
   * count (an intake adds them before publishing), which lookups treat as absent.
   */
  private points = new PointHash(this.columns);
  /** Live intakes, one after another, so that each publishes whole imports and only its own. */
  private intakes: Promise<unknown> = Promise.resolve();
  private intaking = false;
  private readonly intakeSliceMs: number;

  constructor({ intakeSliceMs = INTAKE_SLICE_MS, base }: FeatureIndexOptions = {}) {
    this.intakeSliceMs = intakeSliceMs;
    this.base = base;
  }

  /** The features searches see (those of an intake in progress are not counted until it is published). */
  get size(): number {
    return (this.base?.count ?? 0) + this.view.count;
  }

  /** The features held in the heap beside the packed base (all of them when there is no base). */
  get recentSize(): number {
    return this.view.count;
  }

  /** The packed base, if any. */
  get packedBase(): PackedFeatures | undefined {
    return this.base;
  }

  /**
   * A copy of the features held in the heap (what a merge adds to the base), as one thread hands
   * them to another: those published when it is called, copied in pauses (a generator, as growView).
   */
  *recentFeatures(): Generator<void, RecentFeatures> {
    const columns = this.columns;
    const count = this.view.count;
    const latitudes = new Int32Array(count);
    const longitudes = new Int32Array(count);
    const nameEnds = new Float64Array(count + 1);
    for (let i = 0; i < count; i++) {
      latitudes[i] = columns.latitude(FeatureColumns.FIRST_ID + i);
      longitudes[i] = columns.longitude(FeatureColumns.FIRST_ID + i);
      nameEnds[i + 1] = columns.nameEnd(FeatureColumns.FIRST_ID + i);
      if ((i & 16383) === 16383) yield;
    }
    // Names start at 0 (the slot before FIRST_ID ends at 0), so their ends are offsets into the copy.
    const names = new Uint8Array(nameEnds[count]!);
    // In pieces: at 5% of 100M features the names are about 135 MB, too long a copy for one turn.
    for (let at = 0; at < names.length; at += NAME_COPY_BYTES) {
      names.set(columns.nameData.subarray(at, Math.min(names.length, at + NAME_COPY_BYTES)), at);
      yield;
    }
    return { count, latitudes, longitudes, nameEnds, names };
  }

  /**
   * Puts a new packed base in place of the old one, in line with the intakes: the heap keeps only
   * the features the new base lacks (taken in after it was written), rebuilt in slices, and the new
   * base and heap are published together in one step. A search under way finishes on what it began on.
   */
  replaceBase(base: PackedFeatures): Promise<void> {
    const run = this.intakes.then(async () => {
      this.intaking = true;
      try {
        await this.replaceBaseNow(base);
      } finally {
        this.intaking = false;
      }
    });
    this.intakes = run.catch(() => {});
    return run;
  }


  private async replaceBaseNow(base: PackedFeatures): Promise<void> {
    const old = this.columns;
    const count = this.view.count;
    const columns = new FeatureColumns();
    let turnStarted = performance.now();
    for (let id = FeatureColumns.FIRST_ID; id <= count; id++) {
      const latitude = old.latitude(id);
      const longitude = old.longitude(id);
      if (base.find(latitude, longitude) === -1) columns.push(old.name(id), latitude, longitude);
      if ((id & 1023) === 0 && performance.now() - turnStarted >= this.intakeSliceMs) {
        await nextTurn();
        turnStarted = performance.now();
      }
    }
    const view = await runInSlices(growView(emptyView(), columns, NODE_SIZE), this.intakeSliceMs);
    const points = await runInSlices(new PointHash(columns).including(FeatureColumns.FIRST_ID, columns.length), this.intakeSliceMs);
    this.base = base;
    this.columns = columns;
    this.view = view;
    this.points = points;
  }

  /** Bytes held by the feature columns (the tree's nodes come on top; see bench/index-memory.js). */
  get columnBytes(): number {
    return this.columns.byteLength;
  }

  /**
   * Bulk-loads features whose points are distinct from each other, as storage guarantees (it keys
   * features by point). Into an empty index this builds the tree in one pass; otherwise the features
   * whose points are not indexed yet are added, all at once (synchronously: see takeIn for live use).
   */
  load(features: readonly FeatureRecord[]): void {
    this.assertNoIntake();
    if (this.size > 0) {
      const before = this.columns.length;
      for (const feature of features) {
        if (!this.has(feature.latitude, feature.longitude)) this.columns.push(feature.name, feature.latitude, feature.longitude);
      }
      this.points = runToEnd(this.points.including(before + 1, this.columns.length));
      this.view = runToEnd(growView(this.view, this.columns, NODE_SIZE));
      return;
    }
    this.columns.reserve(features.length);
    for (const feature of features) this.columns.push(feature.name, feature.latitude, feature.longitude);
    this.buildTree();
  }

  /**
   * Bulk-loads an empty index from batches (as Storage.scanFeatures yields them), copying each batch
   * into the columns as it arrives so that no batch outlives its turn. `expected` presizes the columns.
   */
  async loadBatches(batches: AsyncIterable<readonly FeatureRecord[]>, expected = 0): Promise<void> {
    if (this.size > 0 || this.columns.length > 0 || this.base) throw new Error('loadBatches needs an empty index');
    this.columns.reserve(expected);
    for await (const batch of batches) {
      for (const feature of batch) this.columns.push(feature.name, feature.latitude, feature.longitude);
    }
    this.buildTree();
  }

  /** The start-up load: rbush's bulk load (OMT), the best tree, in one synchronous pass. */
  private buildTree(): void {
    this.columns.trim();
    const ids = new Array<number>(this.columns.length);
    for (let i = 0; i < ids.length; i++) ids[i] = FeatureColumns.FIRST_ID + i;
    const tree = createIdTree(this.columns);
    tree.load(ids);
    const root = withSizes(tree.toJSON() as TreeNode);
    this.points = runToEnd(this.points.including(FeatureColumns.FIRST_ID, ids.length));
    this.view = singleTreeView(root, ids.length);
  }

  /**
   * Takes in features while searches go on, all at once: they are appended beside the published
   * trees, a tree is built over them in slices of INTAKE_SLICE_MS (never a longer pause for other
   * calls), and the new trees are published in one assignment. Until then no search sees any of
   * them; a search already under way finishes on the trees it began on. Intakes run one at a time,
   * in call order. Resolves with the features added. If `batches` fails, nothing is published and
   * the error propagates.
   */
  takeIn(batches: AsyncIterable<readonly FeatureRecord[]>, options: IntakeOptions = {}): Promise<number> {
    const run = this.intakes.then(() => this.takeInNow(batches, options));
    this.intakes = run.catch(() => {});
    return run;
  }

  private async takeInNow(batches: AsyncIterable<readonly FeatureRecord[]>, { skipIndexed = false }: IntakeOptions): Promise<number> {
    const before = this.view.count;
    this.intaking = true;
    try {
      let turnStarted = performance.now();
      for await (const batch of batches) {
        this.columns.reserve(batch.length);
        for (let i = 0; i < batch.length; i++) {
          const feature = batch[i]!;
          if (!skipIndexed || !this.has(feature.latitude, feature.longitude)) {
            this.columns.push(feature.name, feature.latitude, feature.longitude);
          }
          // Batches that are ready at once (a synchronous database's pages) would never give a turn.
          if ((i & 1023) === 1023 || i === batch.length - 1) {
            if (performance.now() - turnStarted >= this.intakeSliceMs) {
              await nextTurn();
              turnStarted = performance.now();
            }
          }
        }
      }
      if (this.columns.length === before) return 0;
      const view = await runInSlices(growView(this.view, this.columns, NODE_SIZE), this.intakeSliceMs);
      // The new ids go into the lookup unseen (past the published count), or into a grown table
      // built beside the one in use; either way they become visible with the view, in one step.
      const points = await runInSlices(this.points.including(before + 1, view.count), this.intakeSliceMs);
      this.points = points;
      this.view = view;
      return view.count - before;
    } catch (error) {
      this.columns.truncate(before);
      throw error;
    } finally {
      this.intaking = false;
    }
  }

  private assertNoIntake(): void {
    if (this.intaking) throw new Error('the index is taking in features; add them with takeIn instead');
  }

  /**
   * Adds one feature at once; returns false (and changes nothing) if its point already holds one. It
   * rebuilds the recent tree: for tests and a few features, while live intake goes through takeIn.
   */
  insert(feature: FeatureRecord): boolean {
    this.assertNoIntake();
    if (this.findId(feature.latitude, feature.longitude) !== -1) return false;
    const id = this.columns.push(feature.name, feature.latitude, feature.longitude);
    this.points = runToEnd(this.points.including(id, id));
    this.view = runToEnd(growView(this.view, this.columns, NODE_SIZE));
    return true;
  }

  /** Whether a feature sits at exactly this point (no name is decoded). */
  has(latitude: number, longitude: number): boolean {
    return (this.base !== undefined && this.base.find(latitude, longitude) !== -1) || this.findId(latitude, longitude) !== -1;
  }

  /** The feature at exactly this point, in O(1). */
  at(latitude: number, longitude: number): FeatureRecord | undefined {
    const base = this.base;
    if (base) {
      const position = base.find(latitude, longitude);
      if (position !== -1) return { name: base.name(position), latitude, longitude };
    }
    const id = this.findId(latitude, longitude);
    return id === -1 ? undefined : this.feature(id);
  }

  /**
   * Lazily yields the features inside the box, edges included. Lazy so that a caller streaming
   * millions of hits holds only the traversal stack, never the whole result. `make` builds what is
   * yielded, so a caller that needs another shape (a protobuf Feature) gets it without an
   * intermediate object per hit.
   */
  within(box: Box): Generator<FeatureRecord, void, undefined>;
  within<T>(box: Box, make: (name: string, latitude: number, longitude: number) => T): Generator<T, void, undefined>;
  *within<T>(
    box: Box,
    make: (name: string, latitude: number, longitude: number) => T = storedFeature as never,
  ): Generator<T, void, undefined> {
    const columns = this.columns;
    const root = this.view.root;
    const base = this.base;
    if (base) {
      for (const position of base.positionsWithin(box)) yield make(base.name(position), base.latitude(position), base.longitude(position));
    }
    if (root.children.length === 0 || !overlaps(root, box)) return;
    const pending: TreeNode[] = [root];
    for (let node = pending.pop(); node; node = pending.pop()) {
      if (node.leaf) {
        for (const id of node.children as number[]) {
          const latitude = columns.latitude(id);
          const longitude = columns.longitude(id);
          if (
            latitude >= box.minLatitude &&
            latitude <= box.maxLatitude &&
            longitude >= box.minLongitude &&
            longitude <= box.maxLongitude
          ) {
            yield make(columns.name(id), latitude, longitude);
          }
        }
      } else {
        for (const child of node.children as TreeNode[]) {
          if (overlaps(child, box)) pending.push(child);
        }
      }
    }
  }

  /**
   * Walks the features inside the box as within() does, but hands `visit` each hit's name as the
   * UTF-8 bytes the index stores (`names[nameStart..nameEnd)`, valid only during the call) rather than
   * a decoded string or an object: ExportFeatures copies them straight into its messages, and
   * decoding a name cost more than the rest of the walk. Pauses (yields) after each hit for which
   * `visit` returns true, so a caller that batches hits takes one batch per step.
   *
   * A box that holds every feature is walked in id order, not tree order: the columns are then read
   * front to back instead of at random, which made a 1M-feature export walk 3-4x faster (cache misses).
   */
  *visitWithin(box: Box, visit: FeatureVisitor): Generator<void, void, undefined> {
    const columns = this.columns;
    const { root, count } = this.view;
    const base = this.base;
    if (base) {
      for (const position of base.positionsWithin(box)) {
        base.locateName(position);
        if (visit(base.nameBytes, base.nameStart, base.nameEnd, base.latitude(position), base.longitude(position))) yield;
      }
    }
    if (root.children.length === 0 || !overlaps(root, box)) return;
    if (root.minX >= box.minLongitude && root.maxX <= box.maxLongitude && root.minY >= box.minLatitude && root.maxY <= box.maxLatitude) {
      // Ids run from FIRST_ID to the view's count; features published meanwhile are not this walk's.
      for (let id = FeatureColumns.FIRST_ID; id <= count; id++) {
        if (visit(columns.nameData, columns.nameStart(id), columns.nameEnd(id), columns.latitude(id), columns.longitude(id))) yield;
      }
      return;
    }
    const pending: TreeNode[] = [root];
    for (let node = pending.pop(); node; node = pending.pop()) {
      if (node.leaf) {
        for (const id of node.children as number[]) {
          const latitude = columns.latitude(id);
          const longitude = columns.longitude(id);
          if (
            latitude >= box.minLatitude &&
            latitude <= box.maxLatitude &&
            longitude >= box.minLongitude &&
            longitude <= box.maxLongitude &&
            visit(columns.nameData, columns.nameStart(id), columns.nameEnd(id), latitude, longitude)
          ) {
            yield;
          }
        }
      } else {
        for (const child of node.children as TreeNode[]) {
          if (overlaps(child, box)) pending.push(child);
        }
      }
    }
  }

  /**
   * How many features lie in each cell of a `columns` x `rows` grid over the box (CountGrid says
   * which cell a point is in), row-major from the low corner: exact, and counted from the trees'
   * nodes, so a node wholly inside one cell is never opened (the packed base's nodes know their
   * leaves, the heap trees' nodes their size).
   */
  countCells(box: Box, columns: number, rows: number): Uint32Array {
    const grid = new CountGrid(box, columns, rows);
    const counts = new Uint32Array(columns * rows);
    this.base?.countCells(grid, counts);
    countTreeCells(this.view.root, this.columns, grid, counts);
    return counts;
  }

  /**
   * The features nearest to the point by great-circle distance (haversineMetres), nearest first, ties
   * by latitude then longitude: exact, by a best-first search of the tree (see nearest.ts).
   */
  nearest<T>(
    point: PointE7,
    options: NearestOptions,
    make: (name: string, latitude: number, longitude: number, distanceMetres: number) => T,
  ): T[] {
    const base = this.base;
    if (!base) return findNearest(this.view.root, this.columns, point, options, make);
    const both = mergeNearest(base.nearest(point, options, found), findNearest(this.view.root, this.columns, point, options, found), options.limit, compareNearest);
    return both.map((f) => make(f.name, f.latitude, f.longitude, f.distanceMetres));
  }

  private feature(id: number): FeatureRecord {
    return { name: this.columns.name(id), latitude: this.columns.latitude(id), longitude: this.columns.longitude(id) };
  }

  /** The id of the published feature at exactly this point, or -1: GetFeature's and RecordRoute's hot path. */
  private findId(latitude: number, longitude: number): number {
    return this.points.find(latitude, longitude, this.view.count);
  }
}
