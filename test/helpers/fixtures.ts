import { copyFileSync, existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/**
 * coco128-seg laid out in a temporary folder with real links (the fixture's images/ link arrives as a plain file on
 * some copies): its YAML and the dataset root to pass with it.
 */
export function coco128Seg(): { data: string; root: string } {
  const root = mkdtempSync(join(tmpdir(), 'trtjs-coco128seg-'));
  symlinkSync(fixture('coco128/images'), join(root, 'images'));
  symlinkSync(fixture('coco128-seg/labels'), join(root, 'labels'));
  copyFileSync(fixture('coco128-seg/coco128-seg.yaml'), join(root, 'coco128-seg.yaml'));
  return { data: join(root, 'coco128-seg.yaml'), root };
}
