import { mkdir, stat } from 'node:fs/promises';

import { BadInputError } from '../errors.js';

/** Makes sure `dir` is a directory trtjs can write into, before any work starts; errors name the flag and the path. */
export async function ensureOutputDir(flag: string, dir: string): Promise<void> {
  const existing = await stat(dir).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw new BadInputError(`${flag} ${dir}: exists and is not a directory`);
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOTDIR' ? 'a parent is not a directory' : (err as Error).message;
    throw new BadInputError(`${flag} ${dir}: cannot create the directory (${why})`, { cause: err });
  }
}
