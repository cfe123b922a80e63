import { BadInputError } from '../errors.js';

/** `--classes` ids and names to ids, against the model's class names: a name or id it does not have is an error. */
export function resolveClasses(wanted: Array<number | string>, names: string[] | undefined): number[] {
  return wanted.map((c) => {
    if (typeof c === 'number') {
      if (names && c >= names.length) throw new BadInputError(`--classes: the model has no class ${c} (its ids are 0 to ${names.length - 1})`);
      return c;
    }
    if (!names) throw new BadInputError(`--classes: the model has no class names, so '${c}' cannot be resolved; give class ids`);
    const exact = names.indexOf(c);
    if (exact >= 0) return exact;
    const folded = names.findIndex((n) => n.toLowerCase() === c.toLowerCase());
    if (folded >= 0) return folded;
    const close = names.filter((n) => n.toLowerCase().includes(c.toLowerCase()) || c.toLowerCase().includes(n.toLowerCase())).slice(0, 5);
    throw new BadInputError(`--classes: the model has no class named '${c}'${close.length ? ` (did you mean ${close.map((n) => `'${n}'`).join(', ')}?)` : ''}`);
  });
}
