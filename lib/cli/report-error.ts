import { TrtjsError } from '../errors.js';

/**
 * One line per error on stderr: `trtjs: <message> [<code>]`. The stack only with `--verbose` or `DEBUG` set, since a
 * person reading a terminal wants the message, and a stack of trtjs internals only helps a bug report.
 */
export function formatError(err: unknown, verbose: boolean): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = err instanceof TrtjsError ? ` [${err.code}]` : '';
  const first = `trtjs: ${message.split('\n')[0]}${code}`;
  if (!verbose || !(err instanceof Error) || !err.stack) return `${first}\n`;
  return `${first}\n${err.stack.split('\n').slice(1).join('\n')}\n`;
}

export function verboseErrors(argv: string[] = process.argv): boolean {
  return argv.includes('--verbose') || !!process.env.DEBUG;
}
