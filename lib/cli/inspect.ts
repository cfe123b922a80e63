import { Command } from 'commander';

import { formatProfile } from '../build/shapes.js';
import { capabilities } from '../capabilities.js';
import { inspectEngine, type EngineInspection } from '../model/inspect-engine.js';
import type { ModelInfo } from '../model/model-info.js';
import { readModelInfo } from '../model/read-model.js';

/** `trtjs inspect`: IO signature and metadata of an ONNX model or engine file. */
export function inspectCommand(): Command {
  return new Command('inspect')
    .description('show the inputs, outputs and metadata of a model')
    .argument('<model>', 'ONNX model or TensorRT engine')
    .option('--json', 'print as JSON')
    .action(async (model: string, flags: { json?: boolean }) => {
      let info: ModelInfo | EngineInspection = await readModelInfo(model);
      let note: string | undefined;
      if (info.format === 'engine') {
        // The IO signature, profiles and device memory of a plan need TensorRT to deserialize it.
        const caps = await capabilities();
        if (caps.tensorrt.available) info = await inspectEngine(model);
        else note = `(IO tensors, profiles and device memory need TensorRT: ${caps.tensorrt.reason?.split('\n')[0]})`;
      }
      process.stdout.write(flags.json ? `${JSON.stringify(info, null, 2)}\n` : formatInfo(model, info, note));
    });
}

export function formatInfo(path: string, info: ModelInfo | EngineInspection, note?: string): string {
  const lines = [`${path} (${info.format}${info.opset ? `, opset ${info.opset}` : ''}${info.producer ? `, ${info.producer}` : ''})`];
  const tensor = (t: ModelInfo['inputs'][number]) => `  ${t.name.padEnd(12)} ${t.dtype.padEnd(8)} [${t.shape.join(', ')}]`;
  if (info.inputs.length) lines.push('inputs:', ...info.inputs.map(tensor));
  if (info.outputs.length) lines.push('outputs:', ...info.outputs.map(tensor));
  if (note) lines.push(note);
  if ('profiles' in info) {
    // Profiles list only inputs with runtime dims: an engine without any has static shapes throughout.
    if (info.profiles.some((p) => Object.keys(p).length))
      info.profiles.forEach((p, i) => {
        lines.push(`profile ${i}: ${formatProfile(p)}`);
      });
    else lines.push('profiles: none (static shapes)');
    lines.push(
      `device memory ${(info.deviceMemory / 2 ** 20).toFixed(1)} MiB, ${info.layers} layers, TensorRT ${info.tensorrt.loaded}${info.tensorrt.builtWith ? ` (built with ${info.tensorrt.builtWith}${info.tensorrt.builtOn ? ` on ${info.tensorrt.builtOn}` : ''})` : ''}`,
    );
    const mib = (b: number) => (b / 2 ** 20).toFixed(1);
    if (info.profileMemory && info.profileMemory.length > 1)
      lines.push(`device memory per profile ${info.profileMemory.map(mib).join(', ')} MiB (allocationStrategy 'profile')`);
    // Vectorized or channel-last IO: described, but trtjs runs row-major IO only.
    const layouts = Object.entries(info.formats ?? {}).filter(([, f]) => f.some((x) => x !== 'linear'));
    if (layouts.length)
      lines.push(`IO layouts ${layouts.map(([n, f]) => `${n} ${[...new Set(f)].join('/')}`).join(', ')} (not linear: trtjs cannot run this engine)`);
    for (const w of info.warnings ?? []) lines.push(`TensorRT warned: ${w}`);
  }
  lines.push('model:');
  if (info.task) lines.push(`  task      ${info.task}`);
  if (info.names) lines.push(`  classes   ${info.names.length} (${info.names.slice(0, 5).join(', ')}${info.names.length > 5 ? ', ...' : ''})`);
  if (info.imgsz) lines.push(`  imgsz     ${info.imgsz.join('x')}`);
  if (info.stride) lines.push(`  stride    ${info.stride}`);
  if (info.batch) lines.push(`  batch     ${info.batch}`);
  lines.push(`  end2end   ${info.end2end ? 'yes' : 'no'}`, `  dynamic   ${info.dynamic ? 'yes' : 'no'}`, `  half      ${info.half ? 'yes' : 'no'}`);
  const rest = Object.entries(info.metadata).filter(([k]) => !['names', 'imgsz', 'stride', 'batch', 'task', 'end2end', 'args'].includes(k));
  if (rest.length) lines.push('metadata:', ...rest.map(([k, v]) => `  ${k.padEnd(9)} ${v.length > 100 ? `${v.slice(0, 100)}…` : v}`));
  return `${lines.join('\n')}\n`;
}
