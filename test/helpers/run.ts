import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { projectRoot } from './fixtures.js';

/** Runs the built CLI (dist/) the way a user would. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  const main = join(projectRoot, 'dist', 'cli', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build:ts\` first`);
  // A DEBUG set where the tests run would add stacks to what the tests compare; a test that wants one passes it.
  const { DEBUG: _debug, ...parent } = process.env;
  return spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', env: { ...parent, ...env }, timeout: 120_000 });
}

/** Runs a snippet in a fresh Node process from the project root. */
export function runNode(args: string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, args, { cwd: projectRoot, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
}
