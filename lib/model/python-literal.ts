/**
 * A strict parser for the Python literals Ultralytics writes into model metadata (`str(value)` of dicts, lists,
 * tuples, strings, numbers, True/False/None). Never evaluates anything; anything else is an error naming the
 * position.
 */
import { LIMITS } from '../defaults.js';
import { TrtjsError } from '../errors.js';
import * as check from '../util/validate.js';

export type PyValue = null | boolean | number | string | PyValue[] | { [key: string]: PyValue };

export function parsePythonLiteral(text: string, what = 'value'): PyValue {
  if (typeof text !== 'string') check.fail('parsePythonLiteral: text', 'a string', text);
  let i = 0;
  const fail = (message: string): never => {
    throw new TrtjsError('ERR_BAD_MODEL', `${what}: ${message} at position ${i} of ${JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text)}`);
  };
  const skip = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const string = (): string => {
    const quote = text[i++];
    let out = '';
    while (i < text.length && text[i] !== quote) {
      if (text[i] === '\\') {
        const c = text[++i];
        const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
        if (c in simple) {
          out += simple[c];
          i++;
        } else if (c === 'x' || c === 'u') {
          const len = c === 'x' ? 2 : 4;
          const hex = text.slice(i + 1, i + 1 + len);
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) fail(`bad \\${c} escape`);
          out += String.fromCharCode(parseInt(hex, 16));
          i += 1 + len;
        } else fail(`unsupported escape \\${c}`);
      } else out += text[i++];
    }
    if (text[i] !== quote) fail('unterminated string');
    i++;
    return out;
  };
  const value = (depth: number): PyValue => {
    if (depth > LIMITS.metadataDepth) fail(`nesting deeper than ${LIMITS.metadataDepth} levels`);
    skip();
    const c = text[i];
    if (c === undefined) return fail('unexpected end');
    if (c === "'" || c === '"') return string();
    if (c === '{') {
      i++;
      const obj: { [key: string]: PyValue } = {};
      skip();
      while (text[i] !== '}') {
        const key = value(depth + 1);
        if (typeof key !== 'string' && typeof key !== 'number') fail('dict keys must be strings or numbers');
        skip();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        obj[String(key)] = value(depth + 1);
        skip();
        if (text[i] === ',') {
          i++;
          skip();
        } else if (text[i] !== '}') fail("expected ',' or '}'");
      }
      i++;
      return obj;
    }
    if (c === '[' || c === '(') {
      const close = c === '[' ? ']' : ')';
      i++;
      const arr: PyValue[] = [];
      skip();
      while (text[i] !== close) {
        arr.push(value(depth + 1));
        skip();
        if (text[i] === ',') {
          i++;
          skip();
        } else if (text[i] !== close) fail(`expected ',' or '${close}'`);
      }
      i++;
      return arr;
    }
    const word = /^(True|False|None)\b/.exec(text.slice(i));
    if (word) {
      i += word[1].length;
      return word[1] === 'True' ? true : word[1] === 'False' ? false : null;
    }
    const num = /^[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?|inf|nan)/.exec(text.slice(i));
    if (num) {
      i += num[0].length;
      const n = num[0].replace(/inf$/, 'Infinity').replace(/nan$/, 'NaN');
      return Number(n);
    }
    return fail(`unexpected character ${JSON.stringify(c)}`);
  };
  const result = value(0);
  skip();
  if (i !== text.length) fail('trailing characters');
  return result;
}
