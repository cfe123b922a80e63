import { Command } from 'commander';

import { capabilities, driverBranch, type Capabilities } from '../capabilities.js';

/** `trtjs doctor`: what works on this machine, and why not where it does not. */
export function doctorCommand(): Command {
  return new Command('doctor')
    .description('report the addon, CUDA, TensorRT and ONNX Runtime status of this machine (exit code 1 when the addon cannot load)')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }) => {
      const caps = await capabilities({ selfTest: true });
      process.stdout.write(opts.json ? `${JSON.stringify(caps, null, 2)}\n` : formatReport(caps));
      // Without the addon nothing of trtjs works: a script running doctor must see it fail.
      if (!caps.addon.loaded) process.exitCode = 1;
    });
}

const GiB = 1024 ** 3;

export function formatReport(caps: Capabilities): string {
  const ok = (b: boolean) => (b ? 'yes' : 'no ');
  const lines: string[] = [];
  lines.push(`trtjs ${caps.version} (Node-API ${caps.napiVersion}, Node ${process.version}, ${process.platform}-${process.arch})`);
  if (caps.addon.loaded) {
    const layers = Object.entries(caps.addon.layers)
      .filter(([, v]) => v)
      .map(([k]) => k)
      .join(', ');
    lines.push(`addon      yes  ${caps.addon.path ?? ''}`);
    lines.push(`  layers   ${layers}`);
    if (caps.addon.cudaToolkit) {
      const driver = caps.cuda.requiredDriverVersion
        ? `, needs a driver for CUDA ${caps.cuda.requiredDriverVersion}+${driverBranch(caps.cuda.requiredDriverVersion)}`
        : '';
      lines.push(`  cuda     toolkit ${caps.addon.cudaToolkit}, archs ${caps.addon.cudaArchs?.join(' ')}${driver}`);
    }
    if (caps.addon.tensorrtLayers.length) {
      const active = caps.tensorrt.layer;
      const list = caps.addon.tensorrtLayers.map((h) => `${h.split('.')[0]}.x (headers ${h})${h === active ? ' active' : ''}`);
      lines.push(`  tensorrt layers ${list.join(', ')}`);
    }
  } else {
    lines.push(`addon      no   ${caps.addon.reason}`);
  }
  lines.push(
    `cuda       ${ok(caps.cuda.available)}  ${caps.cuda.available ? `driver ${caps.cuda.driverVersion}, runtime ${caps.cuda.runtimeVersion}` : caps.cuda.reason}`,
  );
  for (const d of caps.cuda.devices) {
    lines.push(
      `  [${d.index}] ${d.name}, sm_${d.computeCapability.replace('.', '')}, ${(d.totalMemory / GiB).toFixed(1)} GiB${d.integrated ? ', integrated' : ''}` +
        (d.selfTest ? `, self-test ${d.selfTest}` : ''),
    );
  }
  lines.push(
    `tensorrt   ${ok(caps.tensorrt.available)}  ${caps.tensorrt.available ? `${caps.tensorrt.version} ${caps.tensorrt.libraryPath} (layer ${caps.tensorrt.layer})` : caps.tensorrt.reason}`,
  );
  if (caps.tensorrt.available) {
    const p = caps.tensorrt.onnxParser;
    lines.push(`  onnx parser ${p.available ? p.path : `no: ${p.reason}`}`);
    const g = caps.tensorrt.plugins;
    lines.push(`  plugins     ${g.available ? g.path : `no: ${g.reason}`}`);
    const b = caps.tensorrt.builder;
    lines.push(`  builder     ${b.available ? (b.resources ?? []).join(', ') : `no: ${b.reason}`}`);
  }
  lines.push(`onnxruntime ${ok(caps.onnxruntime.available)} ${caps.onnxruntime.available ? caps.onnxruntime.version : caps.onnxruntime.reason}`);
  // Multi-line reasons (every path tried) stay under their heading.
  return `${lines.map((l) => l.replace(/\n/g, '\n             ')).join('\n')}\n`;
}
