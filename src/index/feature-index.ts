import RBush from 'rbush';
import type { StoredFeature } from '../storage/storage.js';

/** An inclusive box in E7 units, already normalised (min <= max on each axis). */
export interface Box {
  readonly minLatitude: number;
  readonly maxLatitude: number;
  readonly minLongitude: number;
  readonly maxLongitude: number;
}

interface TreeNode {
  children: (TreeNode | StoredFeature)[];
  leaf: boolean;
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/**
 * rbush over the stored feature objects themselves: x is longitude, y is latitude. No wrapper
 * objects, so each point costs one small object plus its share of the tree's nodes.
 */
class PointTree extends RBush<StoredFeature> {
  override toBBox(feature: StoredFeature) {
    return { minX: feature.longitude, minY: feature.latitude, maxX: feature.longitude, maxY: feature.latitude };
  }
  override compareMinX(a: StoredFeature, b: StoredFeature): number {
    return a.longitude - b.longitude;
  }
  override compareMinY(a: StoredFeature, b: StoredFeature): number {
    return a.latitude - b.latitude;
  }
}

function overlaps(node: TreeNode, box: Box): boolean {
  return (
    node.minX <= box.maxLongitude &&
    node.maxX >= box.minLongitude &&
    node.minY <= box.maxLatitude &&
    node.maxY >= box.minLatitude
  );
}

function holds(box: Box, feature: StoredFeature): boolean {
  return (
    feature.latitude >= box.minLatitude &&
    feature.latitude <= box.maxLatitude &&
    feature.longitude >= box.minLongitude &&
    feature.longitude <= box.maxLongitude
  );
}

/** The in-memory spatial index: rectangle queries and exact-point lookups over every feature. */
export class FeatureIndex {
  private readonly tree = new PointTree(16);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /**
   * Bulk-loads features whose points are distinct from each other, as storage guarantees (it keys
   * features by point). Into an empty index this builds the tree in one pass; otherwise each
   * feature is inserted and points already indexed are skipped.
   */
  load(features: readonly StoredFeature[]): void {
    if (this.count === 0) {
      this.tree.load(features as StoredFeature[]);
      this.count = features.length;
      return;
    }
    for (const feature of features) this.insert(feature);
  }

  /** Adds one feature; returns false (and changes nothing) if its point already holds one. */
  insert(feature: StoredFeature): boolean {
    if (this.at(feature.latitude, feature.longitude)) return false;
    this.tree.insert(feature);
    this.count++;
    return true;
  }

  /** The feature at exactly this point, in O(log n). */
  at(latitude: number, longitude: number): StoredFeature | undefined {
    for (const feature of this.within({
      minLatitude: latitude,
      maxLatitude: latitude,
      minLongitude: longitude,
      maxLongitude: longitude,
    })) {
      return feature;
    }
    return undefined;
  }

  /**
   * Lazily yields the features inside the box, edges included. Lazy so that a caller streaming
   * millions of hits holds only the traversal stack, never the whole result.
   */
  *within(box: Box): Generator<StoredFeature, void, undefined> {
    const root = this.tree.toJSON() as TreeNode;
    if (root.children.length === 0 || !overlaps(root, box)) return;
    const pending: TreeNode[] = [root];
    for (let node = pending.pop(); node; node = pending.pop()) {
      if (node.leaf) {
        for (const child of node.children as StoredFeature[]) {
          if (holds(box, child)) yield child;
        }
      } else {
        for (const child of node.children as TreeNode[]) {
          if (overlaps(child, box)) pending.push(child);
        }
      }
    }
  }
}
