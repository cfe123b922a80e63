#!/usr/bin/env node
import { createRequire } from 'node:module';

import { Command } from 'commander';

import { packageRoot } from '../native/binding.js';
import { benchCommand } from './bench.js';
import { buildCommand } from './build.js';
import { detectCommand } from './detect.js';
import { doctorCommand } from './doctor.js';
import { inspectCommand } from './inspect.js';
import { predictCommand } from './predict.js';
import { formatError, verboseErrors } from './report-error.js';
import { valCommand } from './val.js';

const { version } = createRequire(import.meta.url)(`${packageRoot}package.json`) as { version: string };

const program = new Command()
  .name('trtjs')
  .description('TensorRT for Node.js: build, inspect, benchmark and run models')
  .version(version, '-V, --version', 'print the trtjs version')
  .option('--verbose', 'print the stack of an error (also with DEBUG set)')
  .showHelpAfterError();
program.addCommand(doctorCommand());
program.addCommand(inspectCommand());
program.addCommand(buildCommand());
program.addCommand(predictCommand());
program.addCommand(detectCommand());
program.addCommand(valCommand());
program.addCommand(benchCommand());

// Every failure is one line on stderr and exit code 1.
program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(formatError(err, verboseErrors()));
  process.exitCode = 1;
});
