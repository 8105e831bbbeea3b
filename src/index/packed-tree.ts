import type { FeatureColumns } from './feature-columns.js';

/** A node of the index's R-tree, in rbush's shape: x is longitude and y latitude (E7); leaves hold feature ids. */
export interface TreeNode {
  children: (TreeNode | number)[];
  leaf: boolean;
  height: number;
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
  /** The features under this node (CountFeatures adds a node's count without visiting it). */
  size: number;
}

/** Elements sorted, or nodes made, between two pauses of a build. */
const WORK_PER_PAUSE = 16_384;

export function emptyNode(): TreeNode {
  return { children: [], leaf: true, height: 1, minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity, size: 0 };
}

/**
 * Sorts `order[start..end)` by `keys[order[i]]` (signed 32-bit) with a stable LSD radix sort, a byte
 * per pass, pausing (yielding) every WORK_PER_PAUSE elements. `scratch` is as long as `order`.
 */
function* radixSort(order: Uint32Array, scratch: Uint32Array, start: number, end: number, keys: Int32Array): Generator<void> {
  const counts = new Uint32Array(256);
  let from = order;
  let to = scratch;
  for (let shift = 0; shift < 32; shift += 8) {
    counts.fill(0);
    // Flipping the sign bit orders signed keys as unsigned ones.
    for (let i = start; i < end; i++) {
      counts[((keys[from[i]!]! ^ 0x80000000) >>> shift) & 255]!++;
      if ((i - start) % WORK_PER_PAUSE === WORK_PER_PAUSE - 1) yield;
    }
    let sum = start;
    for (let digit = 0; digit < 256; digit++) {
      const count = counts[digit]!;
      counts[digit] = sum;
      sum += count;
    }
    for (let i = start; i < end; i++) {
      const item = from[i]!;
      to[counts[((keys[item]! ^ 0x80000000) >>> shift) & 255]!++] = item;
      if ((i - start) % WORK_PER_PAUSE === WORK_PER_PAUSE - 1) yield;
    }
    [from, to] = [to, from];
  }
  // Four passes: the sorted range is back in `order`.
}

/**
 * Orders items 0..count-1 by Sort-Tile-Recursive (Leutenegger et al.): by x, then in vertical strips
 * of about sqrt(groups) groups each by y, so that each run of `nodeSize` items is a compact tile.
 */
function* strOrder(xs: Int32Array, ys: Int32Array, count: number, nodeSize: number): Generator<void, Uint32Array> {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    order[i] = i;
    if (i % WORK_PER_PAUSE === WORK_PER_PAUSE - 1) yield;
  }
  const scratch = new Uint32Array(count);
  yield* radixSort(order, scratch, 0, count, xs);
  const groups = Math.ceil(count / nodeSize);
  const stripItems = Math.ceil(Math.sqrt(groups)) * nodeSize;
  for (let start = 0; start < count; start += stripItems) {
    yield* radixSort(order, scratch, start, Math.min(count, start + stripItems), ys);
    // Strips may be far shorter than WORK_PER_PAUSE: a pause after each keeps many from adding up.
    yield;
  }
  return order;
}

/**
 * Builds an R-tree over feature ids `first..last` (inclusive) by STR packing, level by level, as a
 * generator that pauses (yields) about every WORK_PER_PAUSE elements, so that a caller can spread a
 * build of millions of features over many event-loop turns: rbush's own bulk load cannot pause, and
 * takes about a second per million here. The columns must not change in that id range meanwhile.
 */
export function* buildTree(columns: FeatureColumns, first: number, last: number, nodeSize: number): Generator<void, TreeNode> {
  let count = last - first + 1;
  if (count <= 0) return emptyNode();
  // Level 0: the points themselves, as items 0..count-1.
  let xs = new Int32Array(count);
  let ys = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    xs[i] = columns.longitude(first + i);
    ys[i] = columns.latitude(first + i);
    if (i % WORK_PER_PAUSE === WORK_PER_PAUSE - 1) yield;
  }
  let nodes: TreeNode[] | undefined;
  let height = 1;
  for (;;) {
    const order = yield* strOrder(xs, ys, count, nodeSize);
    const parents: TreeNode[] = [];
    for (let start = 0; start < count; start += nodeSize) {
      const end = Math.min(count, start + nodeSize);
      const node: TreeNode = { children: [], leaf: nodes === undefined, height, minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity, size: 0 };
      for (let i = start; i < end; i++) {
        const item = order[i]!;
        if (nodes === undefined) {
          node.children.push(first + item);
          node.size++;
          extend(node, xs[item]!, ys[item]!, xs[item]!, ys[item]!);
        } else {
          const child = nodes[item]!;
          node.children.push(child);
          node.size += child.size;
          extend(node, child.minX, child.minY, child.maxX, child.maxY);
        }
      }
      parents.push(node);
      if (parents.length % (WORK_PER_PAUSE / nodeSize) === 0) yield;
    }
    if (parents.length === 1) return parents[0]!;
    // The next level sorts the nodes by their centres.
    nodes = parents;
    count = parents.length;
    xs = new Int32Array(count);
    ys = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const node = parents[i]!;
      xs[i] = Math.floor((node.minX + node.maxX) / 2);
      ys[i] = Math.floor((node.minY + node.maxY) / 2);
    }
    height++;
  }
}

function extend(node: TreeNode, minX: number, minY: number, maxX: number, maxY: number): void {
  if (minX < node.minX) node.minX = minX;
  if (minY < node.minY) node.minY = minY;
  if (maxX > node.maxX) node.maxX = maxX;
  if (maxY > node.maxY) node.maxY = maxY;
}

/** One root over two trees, so that every search of the index walks both unchanged. */
export function joinTrees(main: TreeNode, recent: TreeNode): TreeNode {
  if (recent.children.length === 0) return main;
  if (main.children.length === 0) return recent;
  const root: TreeNode = {
    children: [main, recent],
    leaf: false,
    height: Math.max(main.height, recent.height) + 1,
    minX: Infinity,
    minY: Infinity,
    maxX: -Infinity,
    maxY: -Infinity,
    size: main.size + recent.size,
  };
  for (const child of [main, recent]) extend(root, child.minX, child.minY, child.maxX, child.maxY);
  return root;
}

/** Sets `size` on every node of a tree built elsewhere (rbush's bulk load), children first; returns the root. */
export function withSizes(root: TreeNode): TreeNode {
  const pending: TreeNode[] = [root];
  const order: TreeNode[] = [];
  for (let node = pending.pop(); node; node = pending.pop()) {
    order.push(node);
    if (!node.leaf) for (const child of node.children as TreeNode[]) pending.push(child);
  }
  // Parents come before their children in `order`, so walking it backwards sums children first.
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i]!;
    let size = node.children.length;
    if (!node.leaf) {
      size = 0;
      for (const child of node.children as TreeNode[]) size += child.size;
    }
    node.size = size;
  }
  return root;
}

/** Runs a generator to its end at once: for builds nobody waits on, such as start-up. */
export function runToEnd<T>(work: Generator<void, T>): T {
  for (;;) {
    const step = work.next();
    if (step.done) return step.value;
  }
}
