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
