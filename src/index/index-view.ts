import { FeatureColumns } from './feature-columns.js';
import { buildTree, emptyNode, joinTrees, type TreeNode } from './packed-tree.js';

/**
 * Features added live go into a second, recent tree while it stays under this share of the main
 * one; past it, one tree is rebuilt over everything. So rebuilding the recent tree costs at most
 * this share of the main one, and searches walk at most two trees.
 */
const RECENT_SHARE = 0.25;

/**
 * What searches see: the published trees and the features they hold (ids FIRST_ID..count). Replaced
 * whole, never changed, so a search that began on one (a paused stream) finishes on it.
 */
export interface IndexView {
  /** Searches start here: the main tree, or one node over the main and the recent tree. */
  readonly root: TreeNode;
  /** The tree over ids FIRST_ID..mainEnd. */
  readonly main: TreeNode;
  readonly mainEnd: number;
  readonly count: number;
}

export function emptyView(): IndexView {
  const root = emptyNode();
  return { root, main: root, mainEnd: 0, count: 0 };
}

/** A view of one tree, as a bulk load builds it. */
export function singleTreeView(root: TreeNode, count: number): IndexView {
  return { root, main: root, mainEnd: count, count };
}

/**
 * The view over every feature in the columns, grown from `view`: a new recent tree over the ids past
 * the main tree, or, past RECENT_SHARE, one new main tree. A generator that pauses as buildTree does.
 */
export function* growView(view: IndexView, columns: FeatureColumns, nodeSize: number): Generator<void, IndexView> {
  const { main, mainEnd } = view;
  const count = columns.length;
  if (count - mainEnd <= mainEnd * RECENT_SHARE) {
    const recent = yield* buildTree(columns, mainEnd + 1, count, nodeSize);
    return { root: joinTrees(main, recent), main, mainEnd, count };
  }
  return singleTreeView(yield* buildTree(columns, FeatureColumns.FIRST_ID, count, nodeSize), count);
}
