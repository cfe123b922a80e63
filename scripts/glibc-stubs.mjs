#!/usr/bin/env node
// Link-time stand-ins for libc.so.6 and libm.so.6 that offer each symbol at the newest version no newer than a given
// glibc (2.28: what Node 20's own Linux binaries need), so a binary linked against them runs on that glibc and every
// newer one. Built on a newer system, a binary otherwise binds to the newest version of a symbol: pthread_create@
// GLIBC_2.34 (libpthread merged into libc), exp@GLIBC_2.29, stat@GLIBC_2.33. glibc keeps its older versions of each
// symbol for old binaries, and those are what the stand-ins make the linker pick. Only the symbol tables matter: the
// stand-ins are never loaded (their sonames are the real libraries'). A symbol that exists only in newer versions is
// left out, so a use of it stays undefined and is caught by scripts/check-glibc.sh.
//   node scripts/glibc-stubs.mjs <out dir> <max version, e.g. 2.28> [--cc <C compiler>] [--objdump <objdump>]
// writes <out dir>/libc.so and libm.so (linker scripts, as the real ones are) over the stand-ins; put -L<out dir>
// first on the link line.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const [outArg, max, ...rest] = process.argv.slice(2);
if (!outArg || !/^\d+\.\d+$/.test(max ?? '')) {
  process.stderr.write('usage: glibc-stubs.mjs <out dir> <max glibc version> [--cc <compiler>] [--objdump <objdump>]\n');
  process.exit(2);
}
const opt = (name, fallback) => {
  const i = rest.indexOf(name);
  return i >= 0 ? rest[i + 1] : fallback;
};
const cc = opt('--cc', 'cc');
const objdump = opt('--objdump', 'objdump');
const out = resolve(outArg);
mkdirSync(out, { recursive: true });

const parse = (v) => v.split('.').map(Number);
const newer = (a, b) => {
  const [x, y] = [parse(a), parse(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
  return false;
};

/** The real library a link-time name (libc.so) leads to, and a linker script for it (the real one where it is one). */
function realLibrary(script) {
  const path = execFileSync(cc, [`-print-file-name=${script}`], { encoding: 'utf8' }).trim();
  const bytes = readFileSync(path);
  if (bytes.subarray(0, 4).toString('latin1') === '\x7fELF') return { script: `GROUP ( ${path} )\n`, lib: path }; // libm.so on arm64
  const text = bytes.toString('utf8');
  const lib = /GROUP\s*\(\s*(\S+)/.exec(text)?.[1];
  if (!lib) throw new Error(`${path} is neither a library nor the linker script expected`);
  return { script: text, lib };
}

/** Every versioned symbol a library defines: name -> { versions, object, size }. */
function definitions(lib) {
  const defs = new Map();
  for (const line of execFileSync(objdump, ['-T', lib], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n')) {
    // 0000000000089380 g    DF .text	0000000000000eed (GLIBC_2.2.5) pthread_create
    // 000000000009f1c0 g   iD  .text	0000000000000081  GLIBC_2.2.5 strlen          (an IFUNC)
    const m = /^[0-9a-f]+ (.{7}) (\S+)\s+([0-9a-f]+)\s+\(?GLIBC_([0-9.]+)\)?\s+(\S+)$/.exec(line);
    if (!m || m[2] === '*UND*' || m[2] === '*ABS*') continue;
    const [, flags, , size, version, name] = m;
    const object = flags[6] === 'O';
    if (flags[5] !== 'D' || !(object || flags[6] === 'F' || flags[4] === 'i')) continue;
    const d = defs.get(name) ?? { versions: [], object, size: 0 };
    d.versions.push(version);
    d.size = Math.max(d.size, Number.parseInt(size, 16));
    defs.set(name, d);
  }
  return defs;
}

function stub(script, soname) {
  const { script: text, lib } = realLibrary(script);
  const byVersion = new Map();
  let asm = '';
  let kept = 0;
  let dropped = 0;
  for (const [name, d] of definitions(lib)) {
    const old = d.versions.filter((v) => !newer(v, max)).sort((a, b) => (newer(a, b) ? -1 : 1))[0];
    if (!old) {
      dropped++;
      continue;
    }
    kept++;
    if (!byVersion.has(old)) byVersion.set(old, []);
    byVersion.get(old).push(name);
    asm += d.object
      ? `.data\n.globl ${name}\n.type ${name},%object\n.size ${name},${d.size || 1}\n${name}:\n.zero ${d.size || 1}\n`
      : `.text\n.globl ${name}\n.type ${name},%function\n${name}:\nret\n`;
  }
  const base = soname.replace(/\.so\.\d+$/, '');
  writeFileSync(join(out, `${base}.s`), asm);
  writeFileSync(
    join(out, `${base}.map`),
    [...byVersion].map(([v, names]) => `GLIBC_${v} {\n  global:\n${names.map((n) => `    ${n};\n`).join('')}};\n`).join(''),
  );
  execFileSync(cc, [
    '-shared',
    '-nostdlib',
    `-Wl,-soname,${soname}`,
    `-Wl,--version-script=${join(out, `${base}.map`)}`,
    '-o',
    join(out, soname),
    join(out, `${base}.s`),
  ]);
  // The real script with the stand-in in place of the real library (libc_nonshared.a and the loader stay).
  writeFileSync(join(out, script), text.replace(lib, join(out, soname)));
  return `${soname}: ${kept} symbols at GLIBC_${max} or older, ${dropped} newer only`;
}

process.stdout.write(`glibc-stubs: ${stub('libc.so', 'libc.so.6')}; ${stub('libm.so', 'libm.so.6')}\n`);
