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
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

export function intList(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.some((p) => !/^\d+$/.test(p))) throw new InvalidArgumentError('expected comma-separated class ids, e.g. 0,2,5');
  return parts.map(Number);
}
