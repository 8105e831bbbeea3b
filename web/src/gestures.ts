/** What the map does with the pointer: drag to pan, wheel or pinch to zoom, a still press is a click. */
export interface GestureHandlers {
  pan(dx: number, dy: number): void;
  /** Zoom by `levels` (may be fractional) keeping (x, y) in place. */
  zoom(levels: number, x: number, y: number): void;
  click(x: number, y: number): void;
  /** A second click (or tap) close to the first, soon after it: the first was a click too. */
  doubleClick(x: number, y: number): void;
  /** The view has settled: at once after a drag or pinch, `immediate` false after a wheel step (more may follow). */
  settle(immediate: boolean): void;
}

/** A press that moves less than this many pixels is a click. */
const CLICK_SLOP = 5;
/** A click this soon after another and this close to it makes a double click. */
const DOUBLE_CLICK_MS = 400;
const DOUBLE_CLICK_SLOP = 10;

/** Mouse, pen and touch through pointer events on `element`; coordinates are relative to it. */
export function attachGestures(element: HTMLElement, handlers: GestureHandlers): void {
  const pointers = new Map<number, { x: number; y: number }>();
  let travelled = 0;
  let pinchDistance = 0;
  let lastClick = { x: 0, y: 0, at: Number.NEGATIVE_INFINITY };
  const local = (event: PointerEvent | WheelEvent): { x: number; y: number } => {
    const box = element.getBoundingClientRect();
    return { x: event.clientX - box.left, y: event.clientY - box.top };
  };
  const spread = (): { distance: number; x: number; y: number } => {
    const [a, b] = [...pointers.values()] as [{ x: number; y: number }, { x: number; y: number }];
    return { distance: Math.hypot(a.x - b.x, a.y - b.y), x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
  };

  element.addEventListener('pointerdown', (event) => {
    element.setPointerCapture(event.pointerId);
    pointers.set(event.pointerId, local(event));
    if (pointers.size === 1) travelled = 0;
    if (pointers.size === 2) pinchDistance = spread().distance;
  });
  element.addEventListener('pointermove', (event) => {
    const previous = pointers.get(event.pointerId);
    if (!previous) return;
    const now = local(event);
    if (pointers.size === 1) {
      travelled += Math.hypot(now.x - previous.x, now.y - previous.y);
      if (travelled > CLICK_SLOP) handlers.pan(now.x - previous.x, now.y - previous.y);
      pointers.set(event.pointerId, now);
    } else if (pointers.size === 2) {
      const before = spread();
      pointers.set(event.pointerId, now);
      const after = spread();
      travelled = Number.POSITIVE_INFINITY;
      handlers.pan((after.x - before.x) / 2, (after.y - before.y) / 2);
      if (pinchDistance > 0 && after.distance > 0) handlers.zoom(Math.log2(after.distance / pinchDistance), after.x, after.y);
      pinchDistance = after.distance;
    }
  });
  const end = (event: PointerEvent): void => {
    const last = pointers.get(event.pointerId);
    if (!last) return;
    pointers.delete(event.pointerId);
    if (pointers.size > 0) return;
    if (travelled <= CLICK_SLOP && event.type === 'pointerup') {
      const double = event.timeStamp - lastClick.at <= DOUBLE_CLICK_MS && Math.hypot(last.x - lastClick.x, last.y - lastClick.y) <= DOUBLE_CLICK_SLOP;
      // A third click starts afresh rather than making a second double click.
      lastClick = double ? { x: 0, y: 0, at: Number.NEGATIVE_INFINITY } : { x: last.x, y: last.y, at: event.timeStamp };
      if (double) handlers.doubleClick(last.x, last.y);
      else handlers.click(last.x, last.y);
    } else {
      handlers.settle(true);
    }
  };
  element.addEventListener('pointerup', end);
  element.addEventListener('pointercancel', end);
  element.addEventListener(
    'wheel',
    (event) => {
      event.preventDefault();
      const { x, y } = local(event);
      // A mouse notch is about 100 pixels of deltaY: half a zoom level. Trackpads send smaller steps.
      const lines = event.deltaMode === WheelEvent.DOM_DELTA_LINE ? 33 : 1;
      handlers.zoom((-event.deltaY * lines) / 200, x, y);
      handlers.settle(false);
    },
    { passive: false },
  );
}
