import { basename, extname, join } from 'node:path';

import { BadInputError } from '../errors.js';
import { drawResult } from '../tasks/draw.js';
import type { TaskResult } from '../tasks/types.js';

/** The annotated copy of `image` in `dir`. */
export function savedName(dir: string, image: string): string {
  return join(dir, `${basename(image, extname(image))}${extname(image) || '.jpg'}`);
}

/** Draws a result into a copy of its image; a copy that cannot be written fails that image only. */
export async function saveResult(image: string, result: TaskResult, out: string): Promise<void> {
  try {
    await drawResult(image, result, out);
  } catch (err) {
    if (err instanceof BadInputError) throw err;
    throw new BadInputError(`cannot write ${out}: ${(err as Error).message}`, { cause: err });
  }
}
