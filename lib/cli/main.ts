#!/usr/bin/env node
import { Command } from 'commander';

import { TrtjsError } from '../errors.js';
import { benchCommand } from './bench.js';
import { buildCommand } from './build.js';
import { detectCommand } from './detect.js';
import { doctorCommand } from './doctor.js';
import { inspectCommand } from './inspect.js';
import { valCommand } from './val.js';

const program = new Command()
  .name('trtjs')
  .description('TensorRT for Node.js: build, inspect, benchmark and run models')
  .showHelpAfterError();
program.addCommand(doctorCommand());
program.addCommand(inspectCommand());
program.addCommand(buildCommand());
program.addCommand(detectCommand());
program.addCommand(valCommand());
program.addCommand(benchCommand());

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof TrtjsError) {
    process.stderr.write(`trtjs: ${err.message} [${err.code}]\n`);
  } else {
    process.stderr.write(`trtjs: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exitCode = 1;
});
