import { parquetMetadataAsync, parquetRead } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { openParquetSource } from '/work/wt/parquet/dist/feature-files/parquet-source.js';
const s = openParquetSource(process.argv[2]);
const metadata = await parquetMetadataAsync(s.buffer, { geoparquet: false });
metadata.schema.find((e) => e.name === 'geometry').logical_type = { type: 'GEOMETRY' };
const slice = Number(process.argv[3]);
const mb = (x) => (x / 2 ** 20).toFixed(0);
const t = performance.now(); let pages = 0; let n = 0;
const total = Number(metadata.num_rows);
for (let start = 0; start < total; start += slice) {
  await parquetRead({ compressors, utf8: false, file: s.buffer, metadata, columns: ['name', 'geometry'], rowStart: start, rowEnd: Math.min(start + slice, total), parsers: { geometryFromBytes: (b) => 1 }, onPage: () => pages++, onChunk: (c) => { n += c.columnData.length; } });
}
console.log('slice', slice, 'pages', pages, 'values', n, ((performance.now() - t) / 1000).toFixed(2), 's read', mb(s.bytesRead()), 'MB');
