/**
 * Argument checks with exact messages: what was expected, and what was received. Every public entry point
 * validates before touching native code.
 */
import { BadInputError } from '../errors.js';

/** A short, safe description of a received value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as Uint8Array).length ?? value.byteLength}`;
  if (value instanceof ArrayBuffer) return `an ArrayBuffer of ${value.byteLength} bytes`;
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}

export function fail(name: string, expected: string, received: unknown): never {
  throw new BadInputError(`${name} must be ${expected}, received ${describe(received)}`);
}

export function object<T extends object>(name: string, value: unknown): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(name, 'an object', value);
  return value as T;
}

/** An optional options object: undefined becomes {}. */
export function options<T extends object>(name: string, value: unknown): Partial<T> {
  return value === undefined ? {} : object<Partial<T>>(name, value);
}

export function integer(name: string, value: unknown, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = min === -Infinity && max === Infinity ? '' : max === Infinity ? ` >= ${min}` : min === -Infinity ? ` <= ${max}` : ` in [${min}, ${max}]`;
    fail(name, `an integer${range}`, value);
  }
  return value;
}

export function number(name: string, value: unknown, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const range = min === -Infinity && max === Infinity ? '' : ` in [${min}, ${max}]`;
    fail(name, `a finite number${range}`, value);
  }
  return value;
}

export function boolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(name, 'true or false', value);
  return value;
}

export function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) fail(name, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  return value as T;
}

/** Applies `check` when the value is present, else returns the default. */
export function optional<T>(value: unknown, fallback: T, check: (v: unknown) => T): T {
  return value === undefined ? fallback : check(value);
}

/** An optional AbortSignal. */
export function optionalSignal(name: string, value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) fail(name, 'an AbortSignal', value);
  return value;
}

/** An integer that native code can hold (int32), never silently wrapped. */
export function int32(name: string, value: unknown, min = 0): number {
  return integer(name, value, min, 2 ** 31 - 1);
}
