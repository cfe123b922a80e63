import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/run.js';

describe('trtjs CLI', () => {
  it('doctor --json prints the capability report', () => {
    const r = runCli(['doctor', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.addon.loaded).toBe(true);
    expect(report.addon.layers.cpu).toBe(true);
    expect(typeof report.cuda.available).toBe('boolean');
    expect(report.cuda.available || typeof report.cuda.reason === 'string').toBe(true);
    expect(report.tensorrt.available || typeof report.tensorrt.reason === 'string').toBe(true);
  });

  it('doctor prints one line per component for people', () => {
    const r = runCli(['doctor']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^trtjs \d+\.\d+\.\d+/);
    for (const line of [/^addon +yes/m, /^cuda +(yes|no)/m, /^tensorrt +(yes|no)/m, /^onnxruntime +(yes|no)/m]) expect(r.stdout).toMatch(line);
  });

  it('--help lists the commands; an unknown command fails with a message', () => {
    const help = runCli(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('doctor');
    const bad = runCli(['frobnicate']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});

describe('trtjs detect / inspect / val', async () => {
  const { mkdtempSync, existsSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const sharp = (await import('sharp')).default;
  const { fixture } = await import('../helpers/fixtures.js');

  it('detect --json prints one object per image; --save writes annotated copies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trtjs-detect-'));
    const r = runCli(['detect', fixture('images/bus.jpg'), fixture('images/zidane.jpg'), '-m', fixture('models/yolov8n_int8.onnx'), '--json', '--save', dir]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.image.split('/').pop())).toEqual(['bus.jpg', 'zidane.jpg']);
    expect(lines[0].detections.filter((d: { className: string }) => d.className === 'bus')).toHaveLength(1);
    expect(lines[1].detections.some((d: { className: string }) => d.className === 'tie')).toBe(true);
    for (const name of ['bus.jpg', 'zidane.jpg']) {
      const out = join(dir, name);
      expect(existsSync(out)).toBe(true);
      const meta = await sharp(out).metadata();
      const src = await sharp(fixture(`images/${name}`)).metadata();
      expect([meta.width, meta.height]).toEqual([src.width, src.height]);
      // Drawn boxes change the picture.
      const [a, b] = await Promise.all([sharp(out).raw().toBuffer(), sharp(fixture(`images/${name}`)).raw().toBuffer()]);
      let differing = 0;
      for (let i = 0; i < a.length; i += 97) if (Math.abs(a[i] - b[i]) > 40) differing++;
      expect(differing).toBeGreaterThan(50);
    }
  });

  it('detect prints a table and filters classes', () => {
    const r = runCli(['detect', fixture('images/zidane.jpg'), '-m', fixture('models/yolov8n_int8.onnx'), '--classes', '27']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/zidane\.jpg: 1 detections/);
    expect(r.stdout).toMatch(/^\s+tie\s+0\.\d\d/m);
  });

  it('detect rejects bad flags before loading anything', () => {
    const r = runCli(['detect', fixture('images/zidane.jpg'), '-m', fixture('models/yolov8n_int8.onnx'), '--conf', '2']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--conf.*expected a number in \[0, 1\]/);
    const missing = runCli(['detect', '/nope.jpg', '-m', fixture('models/yolov8n_int8.onnx')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/cannot read \/nope\.jpg.*\[ERR_BAD_INPUT\]/);
  });

  it('build: lists its flags, checks them and the shapes before TensorRT, then needs TensorRT; writes nothing on failure', async () => {
    const { capabilities } = await import('../../lib/index.js');
    const help = runCli(['build', '--help']);
    expect(help.status).toBe(0);
    for (const flag of ['--output', '--fp16', '--shapes', '--workspace', '--timing-cache', '--opt-level', '--json']) expect(help.stdout).toContain(flag);
    const dir = mkdtempSync(join(tmpdir(), 'trtjs-cli-build-'));
    const out = join(dir, 'm.engine');
    const onnx = fixture('models/yolov8n_dynamic_f32.onnx');
    expect(runCli(['build', onnx]).stderr).toMatch(/required option '-o, --output <file>' not specified/);
    const cases: Array<[string[], RegExp]> = [
      [['--shapes', 'images:1x3x0x640'], /not dimensions.*\[ERR_SHAPE\]/],
      [['--shapes', 'labels:1x3x640x640'], /labels.*\[ERR_SHAPE\]/],
      [['--shapes', 'images:8x3x640x640,1x3x640x640,4x3x640x640'], /min 8x3x640x640 <= opt 1x3x640x640 <= max 4x3x640x640 does not hold.*\[ERR_SHAPE\]/],
      [['--workspace', '2X'], /workspace.*\[ERR_BAD_INPUT\]/],
      [['--opt-level', '9'], /optimizationLevel.*\[ERR_BAD_INPUT\]/],
    ];
    for (const [flags, message] of cases) {
      const r = runCli(['build', onnx, '-o', out, ...flags]);
      expect(r.status, flags.join(' ')).toBe(1);
      expect(r.stderr, flags.join(' ')).toMatch(message);
    }
    const caps = await capabilities();
    if (!caps.tensorrt.available) {
      const r = runCli(['build', onnx, '-o', out, '--fp16', '--shapes', 'images:1x3x320x320,4x3x640x640,8x3x1280x1280', '--json']);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/\[ERR_TRT_UNAVAILABLE\]/);
      expect(r.stderr).toContain(caps.tensorrt.reason!.split('\n')[0]);
    }
    expect(existsSync(out)).toBe(false);
  });

  it('inspect on an engine without TensorRT shows its Ultralytics header and says what needs TensorRT', async () => {
    const { capabilities, writeEngineFile } = await import('../../lib/index.js');
    const { writeFileSync } = await import('node:fs');
    const caps = await capabilities();
    if (caps.tensorrt.available) return console.log('[unit] skipped inspect of a plan without TensorRT: TensorRT is present');
    const path = join(mkdtempSync(join(tmpdir(), 'trtjs-cli-inspect-')), 'm.engine');
    const meta = { names: { 0: 'person', 1: 'bicycle' }, imgsz: [640, 640], stride: 32, task: 'detect', batch: 1, dynamic: true, half: true, tensorrt: '10.3.0', device: 'NVIDIA H100' };
    // A plan as far as the file layout goes: TensorRT's "ftrt" magic, then bytes only TensorRT could judge.
    const plan = new Uint8Array(64).fill(7);
    plan.set(new TextEncoder().encode('ftrt'));
    writeFileSync(path, writeEngineFile(plan, meta));
    const r = runCli(['inspect', path]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${path} (engine)`);
    expect(r.stdout).toContain('(IO tensors, profiles and device memory need TensorRT: ');
    for (const line of [/classes +2 \(person, bicycle\)/, /imgsz +640x640/, /stride +32/, /dynamic +yes/, /half +yes/, /tensorrt +10\.3\.0/, /device +NVIDIA H100/]) expect(r.stdout).toMatch(line);
  });

  it('inspect formats what TensorRT says about a plan: profiles of dynamic inputs, device memory, provenance', async () => {
    const { formatInfo } = await import('../../lib/cli/inspect.js');
    const base = {
      format: 'engine' as const,
      inputs: [{ name: 'images', dtype: 'float32' as const, shape: [-1, 3, -1, -1] }],
      outputs: [{ name: 'output0', dtype: 'float32' as const, shape: [-1, 84, -1] }],
      metadata: {},
      deviceMemory: 48 * 2 ** 20,
      layers: 212,
      tensorrt: { loaded: '10.13.0', builtWith: '10.13.0', builtOn: 'NVIDIA H100' },
    };
    const dynamic = formatInfo('m.engine', { ...base, profiles: [{ images: { min: [1, 3, 32, 32], opt: [1, 3, 640, 640], max: [8, 3, 1280, 1280] } }] });
    expect(dynamic).toContain('profile 0: images:1x3x32x32,1x3x640x640,8x3x1280x1280');
    expect(dynamic).toContain('device memory 48.0 MiB, 212 layers, TensorRT 10.13.0 (built with 10.13.0 on NVIDIA H100)');
    const fixed = formatInfo('m.engine', { ...base, inputs: [{ ...base.inputs[0], shape: [1, 3, 640, 640] }], profiles: [{}] });
    expect(fixed).toContain('profiles: none (static shapes)');
    expect(fixed).not.toContain('profile 0');
  });

  it('inspect shows IO and metadata, as text and JSON', () => {
    const text = runCli(['inspect', fixture('models/yolov10n_int8.onnx')]);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/images\s+float32\s+\[1, 3, 640, 640\]/);
    expect(text.stdout).toMatch(/output0\s+float32\s+\[1, 300, 6\]/);
    expect(text.stdout).toMatch(/classes\s+80 \(person, bicycle/);
    expect(text.stdout).toMatch(/end2end\s+yes/);
    const json = JSON.parse(runCli(['inspect', fixture('models/yolov8n_dynamic_f32.onnx'), '--json']).stdout);
    expect(json.inputs[0].shape).toEqual(['batch', 3, 'height', 'width']);
    expect(json.dynamic).toBe(true);
  });

  it('val --json reports mAP on a slice of coco128', () => {
    const r = runCli(['val', '--data', fixture('coco128/coco128.yaml'), '-m', fixture('models/yolo11n_int8_320.onnx'), '--limit', '8', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.images).toBe(8);
    expect(result.map50).toBeGreaterThan(0.3);
    expect(result.map5095).toBeLessThan(result.map50);
  });
});
