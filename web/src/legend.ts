import { legendRows, type DensityCells } from './density.js';
import { CLASS_COLOURS } from './render-cells.js';

/** The density legend over the map: one swatch per class up to the fullest cell's; hidden without cells. */
export function showLegend(element: HTMLElement, cells: DensityCells | undefined): void {
  element.hidden = cells === undefined;
  if (!cells) return;
  const largest = cells.counts.reduce((most, count) => Math.max(most, count), 0);
  const key = `${largest}`;
  if (element.dataset.largest === key) return;
  element.dataset.largest = key;
  const title = document.createElement('p');
  title.className = 'title';
  title.textContent = 'Features per cell';
  const rows = legendRows(largest).map(({ classIndex, label }) => {
    const row = document.createElement('span');
    row.className = 'row';
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = CLASS_COLOURS[Math.min(CLASS_COLOURS.length - 1, classIndex)]!;
    row.append(swatch, label);
    return row;
  });
  element.replaceChildren(title, ...rows);
}
