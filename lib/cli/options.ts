import { InvalidArgumentError } from 'commander';

/** Commander parsers with the same rules the API enforces, so bad flags fail before any work starts. */
export function floatIn(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`expected a number in [${min}, ${max}]`);
    return n;
  };
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isInteger(n) || n < 1 || n > 2 ** 31 - 1)
    throw new InvalidArgumentError('expected a positive integer (at most 2147483647)');
  return n;
}

/** Class ids or names, comma-separated: `0,2`, `person,car`, `person,2`. Names are resolved once the model is open. */
export function classList(value: string): Array<number | string> {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.some((p) => p === '')) throw new InvalidArgumentError('expected comma-separated class ids or names, e.g. 0,2 or person,car');
  return parts.map((p) => {
    if (!/^\d+$/.test(p)) return p;
    const id = Number(p);
    if (id > 2 ** 31 - 1) throw new InvalidArgumentError(`class id ${p} is out of range (0 to 2147483647)`);
    return id;
  });
}
