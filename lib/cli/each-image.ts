import { TrtjsError } from '../errors.js';
import { formatError, verboseErrors } from './report-error.js';

/**
 * Runs `work` on each image in turn. An image that fails with ERR_BAD_INPUT (it cannot be read or decoded, its copy
 * cannot be written) is reported — one line on stderr; with `json` also a JSON line with its error — and the others
 * go on; any other error (the model failing) stops the command. Returns how many images failed.
 */
export async function eachImage(images: string[], json: boolean | undefined, work: (image: string) => Promise<void>): Promise<number> {
  let failed = 0;
  for (const image of images) {
    try {
      await work(image);
    } catch (err) {
      if (!(err instanceof TrtjsError) || err.code !== 'ERR_BAD_INPUT') throw err;
      failed++;
      process.stderr.write(formatError(err, verboseErrors()));
      if (json) process.stdout.write(`${JSON.stringify({ image, error: { code: err.code, message: err.message } })}\n`);
    }
  }
  return failed;
}

/** The closing line and exit code 1 when images failed. */
export function reportFailures(failed: number, total: number): void {
  if (!failed) return;
  process.stderr.write(`trtjs: ${failed} of ${total} images failed\n`);
  process.exitCode = 1;
}
