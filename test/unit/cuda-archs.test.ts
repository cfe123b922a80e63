import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { projectRoot } from '../helpers/fixtures.js';

// The architectures CMakeLists.txt compiles the CUDA layer for, asked of cmake/cuda-archs.cmake as a script: a Jetson
// builds its own GPU only, everything else the release list of what the toolkit knows. The device-tree file is a
// stand-in, as on the boards: NUL-separated compatible strings.
const tmp = mkdtempSync(join(tmpdir(), 'trtjs-archs-'));
const tree = (name: string, compatible: string[]) => {
  const path = join(tmp, name);
  writeFileSync(path, `${compatible.join('\0')}\0`);
  return path;
};
const script = join(tmp, 'ask.cmake');
writeFileSync(
  script,
  `include(${JSON.stringify(join(projectRoot, 'cmake/cuda-archs.cmake'))})
trtjs_cuda_archs(archs "\${NVCC}" "\${PROCESSOR}" "\${CROSS}" "\${TREE}")
string(REPLACE ";" "," archs "\${archs}")
message(STATUS "archs=\${archs}")
`,
);

function archs(o: { cuda: string; processor: string; cross?: boolean; tree?: string }): string {
  const nvcc = `Cuda compilation tools, release ${o.cuda}, V${o.cuda}.0`;
  const r = spawnSync(
    'cmake',
    [`-DNVCC=${nvcc}`, `-DPROCESSOR=${o.processor}`, `-DCROSS=${o.cross ? 'TRUE' : 'FALSE'}`, `-DTREE=${o.tree ?? join(tmp, 'none')}`, '-P', script],
    { encoding: 'utf8' },
  );
  expect(r.status, r.stderr).toBe(0);
  return /archs=(\S*)/.exec(r.stdout)![1];
}

describe('CUDA architectures of the build', () => {
  const orin = tree('orin', ['nvidia,p3737-0000+p3701-0005', 'nvidia,p3701-0005', 'nvidia,tegra234']);
  const xavier = tree('xavier', ['nvidia,p2972-0000', 'nvidia,galen', 'nvidia,tegra194']);
  const server = tree('server', ['linux,dummy-virt']);

  it('a Jetson builds for its own GPU only: Orin sm_87, Xavier sm_72, with any toolkit JetPack has', () => {
    for (const cuda of ['11.4', '12.2', '12.6']) {
      expect(archs({ cuda, processor: 'aarch64', tree: orin }), cuda).toBe('87-real');
      expect(archs({ cuda, processor: 'aarch64', tree: xavier }), cuda).toBe('72-real');
    }
  });

  it('the release list elsewhere: Turing to Hopper, Blackwell from CUDA 12.8, PTX of the newest; sm_87 only for arm64', () => {
    expect(archs({ cuda: '11.8', processor: 'x86_64' })).toBe('75-real,80-real,86-real,89-real,90-real,90-virtual');
    expect(archs({ cuda: '13.0', processor: 'x86_64' })).toBe('75-real,80-real,86-real,89-real,90-real,100-real,120-real,120-virtual');
    expect(archs({ cuda: '11.4', processor: 'x86_64' })).toBe('75-real,80-real,86-real,86-virtual');
    // An arm64 server (SBSA) and the cross-compiled prebuild, which must not take the build machine's tree.
    expect(archs({ cuda: '12.6', processor: 'aarch64', tree: server })).toBe('75-real,80-real,86-real,87-real,89-real,90-real,90-virtual');
    expect(archs({ cuda: '12.6', processor: 'aarch64', cross: true, tree: orin })).toBe('75-real,80-real,86-real,87-real,89-real,90-real,90-virtual');
  });
});
