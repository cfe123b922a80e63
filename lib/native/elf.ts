/**
 * A look at a .node file before it is loaded. dlopen itself crashes the process (SIGBUS) on a truncated ELF file whose
 * segments reach past its end, and says "No such file or directory" for one built for another architecture; a
 * prebuild damaged in transit or copied from another machine must instead give a clear error.
 */
import { readFileSync } from 'node:fs';

/** e_machine of each Node architecture trtjs builds for. */
const MACHINES: Record<string, { id: number; name: string }> = {
  x64: { id: 62, name: 'x86-64' },
  arm64: { id: 183, name: 'aarch64' },
};
const NAMES: Record<number, string> = { 3: 'x86 (32-bit)', 40: 'arm (32-bit)', 62: 'x86-64', 183: 'aarch64', 243: 'riscv' };

/** Why `file` cannot be this process's shared library, or undefined when it looks loadable (Linux only; ELF64 LE). */
export function elfProblem(file: string, arch: string = process.arch): string | undefined {
  if (process.platform !== 'linux') return undefined;
  let b: Buffer;
  try {
    b = readFileSync(file);
  } catch (err) {
    return `${file} cannot be read (${(err as Error).message})`;
  }
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46) return `${file} is not an ELF shared library`;
  if (b[4] !== 2 || b[5] !== 1) return `${file} is not a 64-bit little-endian ELF file`;
  if (b.readUInt16LE(16) !== 3) return `${file} is not a shared library (ELF type ${b.readUInt16LE(16)})`;
  const machine = b.readUInt16LE(18);
  const want = MACHINES[arch];
  if (want && machine !== want.id) {
    return `${file} is built for ${NAMES[machine] ?? `ELF machine ${machine}`}, not for this ${want.name} Node (a binary for another platform)`;
  }
  // Every loadable segment and the section headers must lie within the file: a truncated one would be mapped past
  // its end.
  const phoff = Number(b.readBigUInt64LE(32));
  const shoff = Number(b.readBigUInt64LE(40));
  const [phentsize, phnum, shentsize, shnum] = [b.readUInt16LE(54), b.readUInt16LE(56), b.readUInt16LE(58), b.readUInt16LE(60)];
  if (phoff + phnum * phentsize > b.length) return `${file} is truncated or corrupt (its program headers end past the file)`;
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    const end = Number(b.readBigUInt64LE(p + 8)) + Number(b.readBigUInt64LE(p + 32));
    if (end > b.length) return `${file} is truncated or corrupt (${b.length} bytes, a segment ends at byte ${end})`;
  }
  if (shoff > 0 && shoff + shnum * shentsize > b.length) return `${file} is truncated or corrupt (its section headers end past the file)`;
  return undefined;
}
