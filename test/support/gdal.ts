import { execFileSync } from 'node:child_process';

/**
 * Whether GDAL's command-line tools (Debian's gdal-bin: ogr2ogr, ogrinfo) are here, to check our
 * exported files with a reader no one here wrote. Outside CI a missing GDAL skips those tests with
 * one line; in CI (.ci/run installs gdal-bin) it never does, so a missing GDAL fails them.
 */
export function gdalAvailable(): boolean {
  try {
    execFileSync('ogrinfo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI === 'true') return true;
    console.warn('GDAL tests skipped: ogrinfo not found; install it with `apt-get install -y gdal-bin` (Debian).');
    return false;
  }
}
