#!/usr/bin/env node
// Fails when src/gen is stale: regenerates it from proto/ and asks git whether anything changed.
import { execFileSync } from 'node:child_process';

execFileSync('npx', ['buf', 'generate'], { stdio: 'inherit' });
const changed = execFileSync('git', ['status', '--porcelain', '--', 'src/gen'], { encoding: 'utf8' });
if (changed.trim() !== '') {
  process.stderr.write(`src/gen is stale: run \`npm run generate\` and commit the result.\n${changed}`);
  process.exit(1);
}
process.stdout.write('src/gen matches proto/\n');
