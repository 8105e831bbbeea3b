import { feature, mesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';

/** A polyline or ring in degrees ([lng, lat, lng, lat, ...]) with its bounding box, to skip what is off screen. */
export interface Line {
  readonly coordinates: Float64Array;
  readonly west: number;
  readonly south: number;
  readonly east: number;
  readonly north: number;
}

/** Natural Earth's land polygons and country borders, from world-atlas. */
export interface Basemap {
  readonly land: readonly (readonly Line[])[];
  readonly borders: readonly Line[];
}

function line(positions: readonly number[][]): Line {
  const coordinates = new Float64Array(positions.length * 2);
  let west = 180;
  let east = -180;
  let south = 90;
  let north = -90;
  let shift = 0;
  let previous = Number.NaN;
  positions.forEach(([given = 0, latitude = 0], i) => {
    // A ring that crosses the antimeridian (Russia's, Fiji's) jumps from 180 to -180: unwrapped, it
    // goes on past 180 instead, rather than drawing a sliver of land across the whole world.
    if (given + shift - previous > 180) shift -= 360;
    else if (given + shift - previous < -180) shift += 360;
    const longitude = given + shift;
    previous = longitude;
    coordinates[2 * i] = longitude;
    coordinates[2 * i + 1] = latitude;
    west = Math.min(west, longitude);
    east = Math.max(east, longitude);
    south = Math.min(south, latitude);
    north = Math.max(north, latitude);
  });
  return { coordinates, west, south, east, north };
}

type Countries = Topology<{ countries: GeometryCollection; land: GeometryCollection }>;

/** Decodes a world-atlas countries topology (countries-110m.json or countries-50m.json). */
export function decodeBasemap(topology: Countries): Basemap {
  const land = feature(topology, topology.objects.land);
  const polygons: (readonly Line[])[] = [];
  for (const shape of land.features) {
    const geometry = shape.geometry;
    if (geometry.type === 'Polygon') polygons.push(geometry.coordinates.map(line));
    if (geometry.type === 'MultiPolygon') for (const polygon of geometry.coordinates) polygons.push(polygon.map(line));
  }
  const borders = mesh(topology, topology.objects.countries, (a, b) => a !== b);
  return { land: polygons, borders: borders.coordinates.map(line) };
}

/** Fetches and decodes a basemap served beside the page; rejects with a message naming the file. */
export async function fetchBasemap(file: string): Promise<Basemap> {
  const response = await fetch(file);
  if (!response.ok) throw new Error(`basemap ${file}: HTTP ${response.status}`);
  return decodeBasemap((await response.json()) as Countries);
}
