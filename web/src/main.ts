import { isRefusal, TokenPrompts } from './access.js';
import { fetchBasemap, type Basemap } from './basemap.js';
import { boundsRectangle, toE7, type E7Point, type E7Rectangle } from './client.js';
import { createExtensionsClient } from './connect-client.js';
import { ConnectionBanner, errorMessage, isAbort } from './connection.js';
import { pickFeature } from './feature-set.js';
import { attachGestures } from './gestures.js';
import { showLegend } from './legend.js';
import { NoteBook, watchNotes } from './notes.js';
import { Panel, type Note } from './panel.js';
import { drawBasemap, drawFeatures, scaleBar } from './render.js';
import { drawCells } from './render-cells.js';
import { loadView, type ViewData } from './view-data.js';
import { DEFAULT_VIEW, formatViewHash, fromScreen, linkedView, panBy, parseViewHash, toScreen, viewBounds, zoomAround, type View, type Viewport } from './view.js';

const client = createExtensionsClient();
const panel = new Panel();
const map = document.getElementById('map')!;
const baseCanvas = document.getElementById('basemap') as HTMLCanvasElement;
const featureCanvas = document.getElementById('features') as HTMLCanvasElement;
const banner = new ConnectionBanner(document.getElementById('banner')!, () => refresh(true));
const notes = new NoteBook();
const scaleElement = document.getElementById('scale')!;
const countsHint = document.getElementById('counts-hint')!;
const legend = document.getElementById('density-legend')!;
const count = new Intl.NumberFormat('en-US');
const tokens = new TokenPrompts(() => refresh(true));

let view: View = parseViewHash(window.location.hash) ?? DEFAULT_VIEW;
let viewport: Viewport = { width: 1, height: 1 };
let pixelRatio = 1;
let shown: ViewData | undefined;
let loading: { rectangle: E7Rectangle; controller: AbortController } | undefined;
let watching: { rectangle: E7Rectangle; controller: AbortController } | undefined;
let selected: E7Point | undefined;
let coarseBasemap: Basemap | undefined;
let fineBasemap: Basemap | undefined;
const basemapsRequested = new Set<string>();
/** When the view last settled, to measure how long the map takes to answer it. */
let settledAt = 0;
let answered = false;
let frame = 0;

function sameRectangle(a: E7Rectangle | undefined, b: E7Rectangle): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

function render(): void {
  if (frame !== 0) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    const basemap = basemapFor(view.zoom);
    const points = shown?.mode === 'points' ? shown.loaded.features : undefined;
    const cells = shown?.mode === 'counts' ? shown.cells : undefined;
    const scene = { view, viewport, basemap, features: points, notes: notes.all().map(({ location }) => degrees(location)), selected: selected && degrees(selected) };
    countsHint.hidden = cells === undefined;
    showLegend(legend, cells);
    const context = baseCanvas.getContext('2d')!;
    context.setTransform(pixelRatio, 0, 0, pixelRatio, 0, 0);
    drawBasemap(context, scene);
    // The cells go on the basemap's canvas, under the notes and the selection.
    featureCanvas.dataset.counted = String(cells ? drawCells(context, cells, view, viewport) : 0);
    featureCanvas.dataset.drawn = String(drawFeatures(featureCanvas, scene, pixelRatio));
    const scale = scaleBar(view, 120);
    scaleElement.style.width = `${scale.width.toFixed(1)}px`;
    scaleElement.firstElementChild!.textContent = scale.label;
    if (!answered && shown && !loading) {
      answered = true;
      document.body.dataset.state = 'ready';
      document.body.dataset.mode = shown.mode;
      if (performance.getEntriesByName('routeguide:first-render').length === 0) performance.mark('routeguide:first-render');
      performance.measure('routeguide:view-answered', { start: settledAt, end: performance.now() });
    }
  });
}

/** Natural Earth at 1:110m for the world, 1:50m from zoom 4; each fetched the first time a view needs it. */
function basemapFor(zoom: number): Basemap | undefined {
  const fine = zoom >= 4;
  const file = fine ? 'countries-50m.json' : 'countries-110m.json';
  if (!basemapsRequested.has(file)) {
    basemapsRequested.add(file);
    fetchBasemap(file).then((basemap) => {
      if (fine) fineBasemap = basemap;
      else coarseBasemap = basemap;
      render();
    }, reportBasemap);
  }
  return fine ? fineBasemap ?? coarseBasemap : coarseBasemap ?? fineBasemap;
}

function degrees(point: E7Point): { latitude: number; longitude: number } {
  return { latitude: point.latitude / 1e7, longitude: point.longitude / 1e7 };
}

function reportBasemap(error: unknown): void {
  document.getElementById('attribution')!.textContent = `The basemap could not be loaded: ${errorMessage(error)}`;
}

/** Loads the features and watches the notes of the view, unless it already has them (or `force`). */
function refresh(force = false): void {
  view = linkedView(view);
  const rectangle = boundsRectangle(viewBounds(view, viewport));
  window.history.replaceState(null, '', formatViewHash(view));
  document.body.dataset.rectangle = [rectangle.lo.latitude, rectangle.lo.longitude, rectangle.hi.latitude, rectangle.hi.longitude].join(',');
  settledAt = performance.now();
  if (force || !sameRectangle(watching?.rectangle, rectangle)) startWatch(rectangle);
  if (!force && (sameRectangle(loading?.rectangle, rectangle) || (!loading && sameRectangle(shown?.rectangle, rectangle)))) {
    if (!loading) answered = false;
    render();
    return;
  }
  loading?.controller.abort();
  const controller = new AbortController();
  loading = { rectangle, controller };
  answered = false;
  document.body.dataset.state = 'loading';
  panel.showCount('Counting features…', 'loading');
  loadView(client, rectangle, view.zoom, controller.signal, force ? undefined : shown, (features) =>
    panel.showCount(`Loading… ${count.format(features.size)} features`, 'loading'),
  ).then(
    (result) => {
      if (loading?.controller !== controller) return;
      loading = undefined;
      shown = result;
      banner.succeeded();
      panel.showCount(`${count.format(result.total)} ${result.total === 1 ? 'feature' : 'features'} in view`, result.mode === 'points' ? 'ready' : 'counts');
      render();
    },
    (error: unknown) => {
      if (loading?.controller !== controller || isAbort(error)) return;
      loading = undefined;
      panel.showCount(`Features not loaded: ${errorMessage(error)}`, 'error');
      // A refusal is not an outage: retrying will not help, a token will.
      if (isRefusal(error)) return tokens.ask(errorMessage(error));
      document.body.dataset.state = 'error';
      banner.failed(error);
    },
  );
}

function startWatch(rectangle: E7Rectangle): void {
  watching?.controller.abort();
  const controller = new AbortController();
  watching = { rectangle, controller };
  document.body.dataset.watch = 'opening';
  void watchNotes(client, rectangle, controller.signal, {
    onOpen: () => {
      if (watching?.controller !== controller) return;
      document.body.dataset.watch = 'open';
      banner.succeeded();
    },
    onNote: (note) => {
      notes.add(note);
      panel.addLiveNote(note);
      if (selected && note.location.latitude === selected.latitude && note.location.longitude === selected.longitude) panel.showNotesHere(notes.at(selected));
      render();
    },
    onFailure: (error) => {
      if (watching?.controller !== controller) return;
      document.body.dataset.watch = 'failed';
      if (!isRefusal(error)) banner.failed(error);
    },
  });
}

let settleTimer: ReturnType<typeof setTimeout> | undefined;
function settle(immediate: boolean): void {
  clearTimeout(settleTimer);
  if (immediate) refresh();
  else settleTimer = setTimeout(() => refresh(), 200);
}

function select(x: number, y: number): void {
  const project = (latitude: number, longitude: number) => toScreen(view, viewport, latitude, longitude);
  const points = shown?.mode === 'points' ? shown.loaded.features : undefined;
  const hit = points ? pickFeature(points, project, x, y, 8) : -1;
  let name: string | undefined;
  if (points && hit >= 0) {
    selected = toE7(points.latitudes[hit]!, points.longitudes[hit]!);
    name = points.names[hit]!;
  } else {
    const point = fromScreen(view, viewport, x, y);
    selected = toE7(point.latitude, point.longitude);
  }
  const point = selected;
  panel.select(point, name);
  // The notes seen at the feature, or under the pointer (a pin dropped by hand is rarely exact).
  const near = (note: Note): boolean => {
    const where = toScreen(view, viewport, note.location.latitude / 1e7, note.location.longitude / 1e7);
    return Math.hypot(where.x - x, where.y - y) <= 8;
  };
  panel.showNotesHere(hit >= 0 ? notes.at(point) : notes.all().filter(near));
  render();
  client.nearestFeatures({ point, limit: 5 }).then(
    (response) => {
      if (selected === point) panel.showNearest(response.features);
    },
    (error: unknown) => {
      if (selected === point) panel.showNearestError(errorMessage(error));
    },
  );
}

panel.form.addEventListener('submit', (event) => {
  event.preventDefault();
  const location = selected;
  if (!location) return;
  const message = panel.message.value;
  panel.formError.textContent = '';
  tokens.takeNoteToken();
  client.postNote({ location, message }).then(
    (response) => {
      panel.message.value = '';
      const here: Note[] = response.earlierNotes.map((note) => ({ location, message: note.message }));
      here.push({ location, message });
      if (selected === location) panel.showNotesHere(here);
    },
    (error: unknown) => {
      // The server's own words: an invalid note names the field and what is allowed.
      panel.formError.textContent = errorMessage(error);
    },
  );
});

function resize(): void {
  const box = map.getBoundingClientRect();
  viewport = { width: Math.max(1, box.width), height: Math.max(1, box.height) };
  pixelRatio = window.devicePixelRatio || 1;
  for (const canvas of [baseCanvas, featureCanvas]) {
    canvas.width = Math.round(viewport.width * pixelRatio);
    canvas.height = Math.round(viewport.height * pixelRatio);
  }
  render();
}

attachGestures(map, {
  pan(dx, dy) {
    view = panBy(view, dx, dy);
    render();
  },
  zoom(levels, x, y) {
    view = zoomAround(view, viewport, view.zoom + levels, x, y);
    render();
  },
  click: select,
  // Towards what is under the pointer: one level in, keeping that point where it is.
  doubleClick(x, y) {
    view = zoomAround(view, viewport, view.zoom + 1, x, y);
    render();
    settle(true);
  },
  settle,
});

function zoomButton(id: string, levels: number): void {
  document.getElementById(id)!.addEventListener('click', () => {
    view = zoomAround(view, viewport, Math.round(view.zoom + levels), viewport.width / 2, viewport.height / 2);
    render();
    settle(true);
  });
}
zoomButton('zoom-in', 1);
zoomButton('zoom-out', -1);

// The keyboard: arrows pan by 100 pixels, + and - zoom by one level.
map.addEventListener('keydown', (event) => {
  const step = 100;
  const moves: Record<string, [number, number]> = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
  const move = moves[event.key];
  if (move) view = panBy(view, move[0], move[1]);
  else if (event.key === '+' || event.key === '=') view = zoomAround(view, viewport, Math.round(view.zoom + 1), viewport.width / 2, viewport.height / 2);
  else if (event.key === '-') view = zoomAround(view, viewport, Math.round(view.zoom - 1), viewport.width / 2, viewport.height / 2);
  else return;
  event.preventDefault();
  render();
  settle(true);
});

window.addEventListener('hashchange', () => {
  const linked = parseViewHash(window.location.hash);
  if (!linked) return;
  view = linked;
  render();
  settle(true);
});
new ResizeObserver(() => {
  resize();
  settle(false);
}).observe(map);

resize();
void tokens.start();
