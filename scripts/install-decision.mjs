// The install script's choice, as a pure function so it can be tested: use the prebuilt binary only when it offers
// every layer this machine could build, build with cmake-js otherwise, and fall back to node-gyp's CPU core where
// CMake cannot be used.

/** Driver branch that first supports each CUDA major, for messages (CUDA's minor-version compatibility). */
export const DRIVER_BRANCH = { 11: 'R450', 12: 'R525', 13: 'R580' };

/**
 * @param {object} input
 * @param {boolean} input.fromSource TRTJS_BUILD_FROM_SOURCE=1 or npm's --build-from-source
 * @param {undefined | { layers: string[], tensorrtLayers: string[], cuda?: { driverVersion: string, runtimeVersion: string } }} input.prebuild
 *   what the prebuild for this platform reports when it loads (undefined when there is none or it does not load)
 * @param {{ cmake?: { version: string, ok: boolean }, nvcc?: string,
 *           tensorrt: Array<{ major: number, minor: number, version: string, include: string, explicit: boolean }> }} input.machine
 * @returns {{ action: 'prebuild' | 'cmake' | 'node-gyp', reason: string, keepPrebuild: boolean }}
 *   keepPrebuild: when a cmake build fails, the prebuild is still the better fallback than node-gyp's CPU core
 */
export function decideInstall({ fromSource, prebuild, machine }) {
  const cmakeOk = !!machine.cmake?.ok;
  const cmakeProblem = !machine.cmake
    ? 'CMake was not found'
    : `CMake ${machine.cmake.version} is too old (trtjs needs 3.18 or newer: \`pip3 install cmake\`, or Kitware's APT repository on Ubuntu)`;
  const noCmake = (what) => ({
    action: 'node-gyp',
    reason: `${what}, but ${cmakeProblem}: building the CPU core with node-gyp, without the CUDA and TensorRT layers`,
    keepPrebuild: false,
  });

  if (fromSource) {
    if (cmakeOk) return { action: 'cmake', reason: 'building from source as asked (TRTJS_BUILD_FROM_SOURCE / --build-from-source)', keepPrebuild: !!prebuild };
    return noCmake('building from source was asked for');
  }
  if (!prebuild) {
    if (cmakeOk) return { action: 'cmake', reason: 'no prebuilt binary loads on this platform: building from source', keepPrebuild: false };
    return noCmake('no prebuilt binary loads on this platform');
  }

  // What a source build here would add to the prebuild.
  const missing = [];
  const hasCuda = prebuild.layers.includes('cuda');
  if (machine.nvcc && !hasCuda) missing.push(`the CUDA layer (nvcc is at ${machine.nvcc})`);
  if (machine.nvcc && hasCuda && prebuild.cuda) {
    const driver = Number.parseFloat(prebuild.cuda.driverVersion || '0');
    const runtimeMajor = Math.floor(Number.parseFloat(prebuild.cuda.runtimeVersion || '0'));
    if (driver > 0 && runtimeMajor > 0 && driver < runtimeMajor) {
      missing.push(
        `a CUDA layer this driver runs (the prebuilt one uses CUDA ${prebuild.cuda.runtimeVersion}, which needs a ${DRIVER_BRANCH[runtimeMajor] ?? `CUDA ${runtimeMajor}.0`}+ driver; this driver supports CUDA ${prebuild.cuda.driverVersion})`,
      );
    }
  }
  const layers = prebuild.tensorrtLayers.map((h) => ({ headers: h, major: Number(h.split('.')[0]), minor: Number(h.split('.')[1]) }));
  const skipped = [];
  for (const h of machine.tensorrt) {
    const layer = layers.find((l) => l.major === h.major);
    let why;
    if (h.explicit) why = `TensorRT ${h.version} at ${h.include} (TENSORRT_ROOT)`;
    else if (!layer)
      why = `a TensorRT ${h.major}.x layer (TensorRT ${h.version} headers at ${h.include}; the prebuilt binary has ${layers.length ? layers.map((l) => `${l.major}.x`).join(', ') : 'none'})`;
    else if (layer.minor > h.minor)
      why = `a TensorRT ${h.version} layer (the prebuilt ${h.major}.x layer needs ${h.major}.${layer.minor}+, these headers at ${h.include} are ${h.version})`;
    if (!why) continue;
    // The TensorRT layer runs on the CUDA layer, which needs nvcc to build.
    if (machine.nvcc) missing.push(why);
    else skipped.push(why);
  }
  if (missing.length === 0) {
    const note = skipped.length ? ` (not building ${skipped.join('; ')}: the TensorRT layer needs nvcc, which was not found)` : '';
    return { action: 'prebuild', reason: `using the prebuilt binary: it has every layer this machine can use${note}`, keepPrebuild: true };
  }
  if (!cmakeOk) {
    return {
      action: 'prebuild',
      reason: `using the prebuilt binary, though a source build would add ${missing.join('; ')}: ${cmakeProblem}`,
      keepPrebuild: true,
    };
  }
  return { action: 'cmake', reason: `building from source to add ${missing.join('; ')}`, keepPrebuild: true };
}
