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
    // The oldest driver the binary's CUDA layer runs on, whether or not a driver is present.
    if (/^ {2}cuda +toolkit/m.test(r.stdout)) expect(r.stdout).toMatch(/^ {2}cuda +toolkit \d+\.\d+.*, needs a driver for CUDA \d+\.0\+ \(R\d+\+\)$/m);
  });

  it('--version prints the package version', async () => {
    const { readFileSync } = await import('node:fs');
    const { projectRoot } = await import('../helpers/fixtures.js');
    const { version } = JSON.parse(readFileSync(`${projectRoot}/package.json`, 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = runCli([flag]);
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toBe(version);
    }
  });

  it('doctor exits 1 when the addon cannot load, and says why', async () => {
    const { cpSync, mkdtempSync, symlinkSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { spawnSync } = await import('node:child_process');
    const { projectRoot } = await import('../helpers/fixtures.js');
    // The package without any binary: no build/, no prebuilds/.
    const pkg = mkdtempSync(join(tmpdir(), 'trtjs-noaddon-'));
    cpSync(join(projectRoot, 'dist'), join(pkg, 'dist'), { recursive: true });
    cpSync(join(projectRoot, 'package.json'), join(pkg, 'package.json'));
    symlinkSync(join(projectRoot, 'node_modules'), join(pkg, 'node_modules'));
    const r = spawnSync(process.execPath, [join(pkg, 'dist', 'cli', 'main.js'), 'doctor'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^addon +no +the trtjs native addon could not be loaded/m);
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
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
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
      const [a, b] = await Promise.all([
        sharp(out).raw().toBuffer(),
        sharp(fixture(`images/${name}`))
          .raw()
          .toBuffer(),
      ]);
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

  it('detect --classes takes ids and names, and refuses ones the model does not have', () => {
    const model = fixture('models/yolov8n_int8.onnx');
    const byName = runCli(['detect', fixture('images/zidane.jpg'), '-m', model, '--classes', 'tie,Person']);
    expect(byName.status, byName.stderr).toBe(0);
    expect(byName.stdout).toMatch(/^\s+tie\s+0\.\d\d/m);
    expect(byName.stdout).toMatch(/^\s+person\s+0\.\d\d/m);
    const unknown = runCli(['detect', fixture('images/zidane.jpg'), '-m', model, '--classes', 'bicycl']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr.trim()).toBe("trtjs: --classes: the model has no class named 'bicycl' (did you mean 'bicycle'?) [ERR_BAD_INPUT]");
    const outOfRange = runCli(['detect', fixture('images/zidane.jpg'), '-m', model, '--classes', '80']);
    expect(outOfRange.stderr).toMatch(/no class 80 \(its ids are 0 to 79\)/);
    const huge = runCli(['detect', fixture('images/zidane.jpg'), '-m', model, '--classes', '4294967296']);
    expect(huge.status).not.toBe(0);
    expect(huge.stderr).toMatch(/class id 4294967296 is out of range/);
  });

  it('detect reports a bad image and goes on with the others, exiting 1 at the end', () => {
    const model = fixture('models/yolo11n_int8_320.onnx');
    const r = runCli(['detect', fixture('images/bus.jpg'), '/nope.jpg', fixture('models/yolo11n_int8_320.onnx'), fixture('images/zidane.jpg'), '-m', model]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/bus\.jpg: \d+ detections/);
    expect(r.stdout).toMatch(/zidane\.jpg: \d+ detections/);
    const errors = r.stderr.trim().split('\n');
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/^trtjs: loadImage: cannot read \/nope\.jpg: no such file \[ERR_BAD_INPUT\]$/);
    expect(errors[1]).toMatch(/^trtjs: loadImage: cannot decode .*yolo11n_int8_320\.onnx: .*\[ERR_BAD_INPUT\]$/);
    expect(errors[2]).toBe('trtjs: 2 of 4 images failed');
    const json = runCli(['detect', '/nope.jpg', fixture('images/bus.jpg'), '-m', model, '--json']);
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0]).toEqual({ image: '/nope.jpg', error: { code: 'ERR_BAD_INPUT', message: 'loadImage: cannot read /nope.jpg: no such file' } });
    expect(lines[1].detections.length).toBeGreaterThan(0);
  });

  it('detect --save into an existing file or an unwritable place: one line, a code, no stack', async () => {
    const { writeFileSync } = await import('node:fs');
    const dir = mkdtempSync(join(tmpdir(), 'trtjs-save-'));
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'not a directory');
    const r = runCli(['detect', fixture('images/bus.jpg'), '-m', fixture('models/yolo11n_int8_320.onnx'), '--save', notes]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`trtjs: --save ${notes}: exists and is not a directory [ERR_BAD_INPUT]\n`);
    const nested = runCli(['detect', fixture('images/bus.jpg'), '-m', fixture('models/yolo11n_int8_320.onnx'), '--save', join(notes, 'sub')]);
    expect(nested.status).toBe(1);
    expect(nested.stderr).toMatch(/^trtjs: --save .*notes\.txt\/sub: cannot create the directory \(a parent is not a directory\) \[ERR_BAD_INPUT\]\n$/);
    const verbose = runCli(['--verbose', 'detect', fixture('images/bus.jpg'), '-m', fixture('models/yolo11n_int8_320.onnx'), '--save', notes]);
    expect(verbose.stderr.split('\n').length).toBeGreaterThan(3);
  });

  it('DEBUG set prints the stack as --verbose does; unset or empty, one line', () => {
    const args = ['detect', 'any.jpg', '-m', '/no/such/model.onnx'];
    const first = 'trtjs: Predictor.create: cannot read /no/such/model.onnx: no such file [ERR_BAD_INPUT]\n';
    // An inherited DEBUG would make the plain runs print stacks too.
    const plain = runCli(args, { DEBUG: '' });
    expect(plain.status).toBe(1);
    expect(plain.stderr).toBe(first);
    const debug = runCli(args, { DEBUG: '1' });
    expect(debug.status).toBe(1);
    expect(debug.stderr.startsWith(first)).toBe(true);
    expect(debug.stderr.slice(first.length)).toMatch(/^ {4}at .*read-model\.js:\d+:\d+\)$/m);
    expect(
      debug.stderr
        .slice(first.length)
        .split('\n')
        .filter((l) => l.startsWith('    at ')).length,
    ).toBeGreaterThan(2);
  });

  it('detect labels never overlap one another (zidane.jpg, where two did)', async () => {
    const { Detector } = await import('../../lib/index.js');
    const { placeLabels } = await import('../../lib/tasks/labels.js');
    await using detector = await Detector.create(fixture('models/yolov8n_int8.onnx'));
    const dets = await detector.detect(fixture('images/zidane.jpg'));
    const font = 24;
    const rects = placeLabels(
      dets.map((d) => d.box.map((v) => Math.round(v)) as [number, number, number, number]),
      dets.map((d) => ({ w: Math.round(`${d.className} ${d.score.toFixed(2)}`.length * font * 0.6) + 6, h: font + 4 })),
      1280,
      720,
    );
    for (let i = 0; i < rects.length; i++) {
      const a = rects[i];
      expect(a.x >= 0 && a.y >= 0 && a.x + a.w <= 1280 && a.y + a.h <= 720).toBe(true);
      for (let j = i + 1; j < rects.length; j++) {
        const b = rects[j];
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        expect(overlap, `labels ${i} and ${j}`).toBe(false);
      }
    }
    // Placed next to their boxes: a label starts at its box's left edge (or is pushed in by the image border).
    rects.forEach((r, i) => {
      expect(Math.abs(r.x - Math.min(Math.round(dets[i].box[0]), 1280 - r.w))).toBe(0);
    });
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
    const meta = {
      names: { 0: 'person', 1: 'bicycle' },
      imgsz: [640, 640],
      stride: 32,
      task: 'detect',
      batch: 1,
      dynamic: true,
      half: true,
      tensorrt: '10.3.0',
      device: 'NVIDIA H100',
    };
    // A plan as far as the file layout goes: TensorRT's "ftrt" magic, then bytes only TensorRT could judge.
    const plan = new Uint8Array(64).fill(7);
    plan.set(new TextEncoder().encode('ftrt'));
    writeFileSync(path, writeEngineFile(plan, meta));
    const r = runCli(['inspect', path]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${path} (engine)`);
    expect(r.stdout).toContain('(IO tensors, profiles and device memory need TensorRT: ');
    for (const line of [
      /classes +2 \(person, bicycle\)/,
      /imgsz +640x640/,
      /stride +32/,
      /dynamic +yes/,
      /half +yes/,
      /tensorrt +10\.3\.0/,
      /device +NVIDIA H100/,
    ])
      expect(r.stdout).toMatch(line);
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
    const detailed = formatInfo('m.engine', {
      ...base,
      profiles: [{}, {}],
      profileMemory: [12 * 2 ** 20, 48 * 2 ** 20],
      formats: { images: ['chw16', 'chw16'], output0: ['linear', 'linear'] },
      warnings: ['Using an engine plan file across different models of devices is not recommended'],
    });
    expect(detailed).toContain("device memory per profile 12.0, 48.0 MiB (allocationStrategy 'profile')");
    expect(detailed).toContain('IO layouts images chw16 (not linear: trtjs cannot run this engine)');
    expect(detailed).toContain('TensorRT warned: Using an engine plan file across different models of devices is not recommended');
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
