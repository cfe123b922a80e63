import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { projectRoot } from '../helpers/fixtures.js';

const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8'));
/** What `npm pack` would publish (scripts not run: dist/ as built). */
const packed: string[] = JSON.parse(
  execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: projectRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
)[0].files.map((f: { path: string }) => f.path);

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? filesUnder(join(dir, f)) : [join(dir, f)]));
}

describe('the published package', () => {
  it('carries the Apache-2.0 licence text and says where the project lives', () => {
    expect(packed).toContain('LICENSE');
    expect(readFileSync(join(projectRoot, 'LICENSE'), 'utf8')).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(pkg.license).toBe('Apache-2.0');
    expect(pkg.repository.url).toMatch(/^git\+https:\/\/github\.com\/.+\.git$/);
    expect(pkg.bugs.url).toMatch(/^https:\/\/github\.com\/.+\/issues$/);
    expect(pkg.homepage).toMatch(/^https:\/\//);
  });

  it('ships no source map pointing at sources it does not ship', () => {
    const maps = packed.filter((f) => f.endsWith('.map'));
    for (const m of maps) {
      const sources: string[] = JSON.parse(readFileSync(join(projectRoot, m), 'utf8')).sources;
      for (const s of sources) expect(packed, `${m} points at ${s}`).toContain(join(m, '..', s).replace(/^\.\//, ''));
    }
    expect(packed.some((f) => f.startsWith('dist/') && f.endsWith('.js'))).toBe(true);
  });

  it('ships every file the install script and the source build need', () => {
    for (const f of [
      'scripts/install.mjs',
      'CMakeLists.txt',
      'binding.gyp',
      'native/napi/addon.cpp',
      'native/trt/namespace.h',
      'native/trt/layers/select.cpp',
    ]) {
      expect(packed, f).toContain(f);
    }
    // The install script's own imports.
    const install = readFileSync(join(projectRoot, 'scripts/install.mjs'), 'utf8');
    for (const [, rel] of install.matchAll(/(?:from |require\()'\.\/([^']+)'/g))
      expect(packed, `scripts/install.mjs imports ./${rel}`).toContain(`scripts/${rel}`);
    // The runtime's hint (lib/native/binding.ts) reads scripts/build-env.cjs.
    expect(packed).toContain('scripts/build-env.cjs');
    // Every CMake file CMakeLists.txt includes.
    const cmake = readFileSync(join(projectRoot, 'CMakeLists.txt'), 'utf8');
    const included = [...cmake.matchAll(/include\(\$\{CMAKE_SOURCE_DIR\}\/([^)\s]+)\)/g)].map((m) => m[1]);
    expect(included).toContain('cmake/cuda-archs.cmake');
    for (const f of included) expect(packed, `CMakeLists.txt includes ${f}`).toContain(f);
    // Every native source CMake compiles.
    for (const f of filesUnder(join(projectRoot, 'native'))) expect(packed).toContain(f.slice(projectRoot.length).replace(/^\//, ''));
  });

  it('depends at run time only on what is used: by the library, or by the install script and the source build', () => {
    const shipped = packed
      .filter((f) => /\.(m?js|cjs)$/.test(f) || f === 'CMakeLists.txt' || f === 'binding.gyp')
      .map((f) => readFileSync(join(projectRoot, f), 'utf8'));
    for (const dep of Object.keys(pkg.dependencies)) {
      expect(
        shipped.some(
          (text) =>
            text.includes(`'${dep}'`) ||
            text.includes(`"${dep}"`) ||
            text.includes(`'${dep}/`) ||
            text.includes(`require('${dep}')`) ||
            text.includes(`${dep}/package.json`),
        ),
        `${dep} is a dependency but nothing shipped uses it`,
      ).toBe(true);
    }
  });
});
