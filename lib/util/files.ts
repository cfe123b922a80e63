import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';

import { BadInputError } from '../errors.js';

/** The directory a file will be written to must exist: checked before long work, so it does not fail at the end. */
export async function checkWritableDir(name: string, file: string): Promise<void> {
  const dir = dirname(file);
  const s = await stat(dir).catch(() => undefined);
  if (!s) throw new BadInputError(`${name}: cannot write ${file}: the directory ${dir} does not exist`);
  if (!s.isDirectory()) throw new BadInputError(`${name}: cannot write ${file}: ${dir} is not a directory`);
}
