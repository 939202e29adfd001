/**
 * `tsx e2e/unpack-chromium.ts [cacheRoot]`: unpacks the bundled Chromium (see `bundledChromium`), runs it at
 * once as a second test process would, and prints `<path>\n<version>`. The browser tests start it twice at
 * the same moment to prove concurrent unpacks cannot hand out a half-written binary.
 */
import { execFileSync } from 'node:child_process';
import { bundledChromium } from './browser';

const path = await bundledChromium(process.argv[2]);
const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
process.stdout.write(`${path}\n${version}\n`);
