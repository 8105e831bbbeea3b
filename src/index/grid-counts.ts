import type { FeatureColumns } from './feature-columns.js';
import type { PackedTree } from './packed-nearest.js';
import type { Box } from './packed-features.js';
import type { TreeNode } from './packed-tree.js';

/**
 * A grid of `columns` x `rows` cells over an inclusive box, in E7 units. A feature at longitude x
 * lies in column floor((x - minLongitude) * columns / width), width = maxLongitude - minLongitude + 1,
 * and likewise in a row by latitude, so every point of the box lies in exactly one cell. The
 * arithmetic is exact in doubles: the product stays under 3.6e9 * 1024 < 2^53, and a quotient
 * within 1 / width of the next integer (at most 1024) never rounds up to it.
 */
export class CountGrid {
  readonly width: number;
  readonly height: number;

  constructor(
    readonly box: Box,
    readonly columns: number,
    readonly rows: number,
  ) {
    this.width = box.maxLongitude - box.minLongitude + 1;
    this.height = box.maxLatitude - box.minLatitude + 1;
  }

  column(longitude: number): number {
    return Math.floor(((longitude - this.box.minLongitude) * this.columns) / this.width);
  }

  row(latitude: number): number {
    return Math.floor(((latitude - this.box.minLatitude) * this.rows) / this.height);
  }

  /** The cell of a point inside the box, row-major from the low corner. */
  cell(latitude: number, longitude: number): number {
    return this.row(latitude) * this.columns + this.column(longitude);
  }

  /** The one cell that holds the whole of a node's box, if it lies inside the grid's box; else -1. */
  cellHolding(minX: number, minY: number, maxX: number, maxY: number): number {
    const { box } = this;
    if (minX < box.minLongitude || minY < box.minLatitude || maxX > box.maxLongitude || maxY > box.maxLatitude) return -1;
    const column = this.column(minX);
    const row = this.row(minY);
    return column === this.column(maxX) && row === this.row(maxY) ? row * this.columns + column : -1;
  }

  outside(minX: number, minY: number, maxX: number, maxY: number): boolean {
    const { box } = this;
    return minX > box.maxLongitude || minY > box.maxLatitude || maxX < box.minLongitude || maxY < box.minLatitude;
  }

  contains(latitude: number, longitude: number): boolean {
    const { box } = this;
    return latitude >= box.minLatitude && latitude <= box.maxLatitude && longitude >= box.minLongitude && longitude <= box.maxLongitude;
  }
}

/**
 * Adds to `counts` the features of a packed tree (flatbush's layout, `count` real leaves) in each
 * cell. A node that lies wholly inside one cell adds its number of leaves without being visited: in
 * a packed tree node i of level l holds leaves [i * nodeSize^l, (i + 1) * nodeSize^l), cut at the
 * count. So the work goes with the nodes that straddle a cell's edge, not with the features.
 */
export function countPackedCells(tree: PackedTree, count: number, grid: CountGrid, counts: Uint32Array): void {
  if (count === 0) return;
  const { boxes, indices, levelBounds, nodeSize } = tree;
  const { columns, rows, width, height } = grid;
  const { minLatitude, maxLatitude, minLongitude, maxLongitude } = grid.box;
  // Box positions and levels of the nodes still to look at, side by side.
  const pending: number[] = [boxes.length - 4];
  const levels: number[] = [levelBounds.length - 1];
  while (pending.length > 0) {
    const pos = pending.pop()!;
    const level = levels.pop()!;
    const minX = boxes[pos]!;
    const minY = boxes[pos + 1]!;
    const maxX = boxes[pos + 2]!;
    const maxY = boxes[pos + 3]!;
    if (grid.outside(minX, minY, maxX, maxY)) continue;
    const held = grid.cellHolding(minX, minY, maxX, maxY);
    if (held !== -1) {
      const span = nodeSize ** level;
      const first = ((pos - (level === 0 ? 0 : levelBounds[level - 1]!)) / 4) * span;
      counts[held]! += Math.min(first + span, count) - first;
      continue;
    }
    const start = indices[pos >> 2]!;
    const end = Math.min(start + nodeSize * 4, levelBounds[level - 1]!);
    if (level === 1) {
      // The children are leaves (points): each goes to its cell at once (the hot loop, so the
      // grid's arithmetic is written out here on locals).
      for (let child = start; child < end; child += 4) {
        const longitude = boxes[child]!;
        const latitude = boxes[child + 1]!;
        if (longitude < minLongitude || longitude > maxLongitude || latitude < minLatitude || latitude > maxLatitude) continue;
        counts[Math.floor(((latitude - minLatitude) * rows) / height) * columns + Math.floor(((longitude - minLongitude) * columns) / width)]!++;
      }
      continue;
    }
    for (let child = start; child < end; child += 4) {
      pending.push(child);
      levels.push(level - 1);
    }
  }
}

/** Adds to `counts` the features of an rbush-shaped tree over `columns` in each cell, as countPackedCells does. */
export function countTreeCells(root: TreeNode, columns: FeatureColumns, grid: CountGrid, counts: Uint32Array): void {
  if (root.size === 0) return;
  const pending: TreeNode[] = [root];
  for (let node = pending.pop(); node; node = pending.pop()) {
    if (grid.outside(node.minX, node.minY, node.maxX, node.maxY)) continue;
    const held = grid.cellHolding(node.minX, node.minY, node.maxX, node.maxY);
    if (held !== -1) {
      counts[held]! += node.size;
    } else if (node.leaf) {
      for (const id of node.children as number[]) {
        const latitude = columns.latitude(id);
        const longitude = columns.longitude(id);
        if (grid.contains(latitude, longitude)) counts[grid.cell(latitude, longitude)]!++;
      }
    } else {
      for (const child of node.children as TreeNode[]) pending.push(child);
    }
  }
}
