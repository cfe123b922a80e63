import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Real models, images and coco128: TRTJS_FIXTURES, default ../shared/fixtures from the project root. */
export const fixturesDir = resolve(process.env.TRTJS_FIXTURES ?? join(projectRoot, '..', 'shared', 'fixtures'));

/** Absolute path of a fixture; a missing fixture fails the test with the path it looked for. */
export function fixture(relative: string): string {
  const path = join(fixturesDir, relative);
  if (!existsSync(path)) throw new Error(`fixture ${relative} not found at ${path} (set TRTJS_FIXTURES)`);
  return path;
}
