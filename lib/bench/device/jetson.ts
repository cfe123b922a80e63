/**
 * A Jetson's state from sysfs and /etc, readable without root, as laid out on JetPack 5 (L4T R35) and 6 (R36):
 * - GPU clock: /sys/class/devfreq/<gpu>/{cur_freq,max_freq,governor} in Hz, the GPU being the devfreq device named
 *   *.gpu (JetPack 6) or *.ga10b / *.gv11b / *.gp10b (JetPack 5 and 4); its load (0-1000, tenths of a percent) in
 *   the device folder the devfreq entry links to (device/load);
 * - temperatures: /sys/devices/virtual/thermal/thermal_zone<N>/{type,temp} in millidegrees; -256 °C means the
 *   sensor is offline (its unit is powered down, e.g. the DLA's cv*-thermal);
 * - power: INA3221 rails, /sys/bus/i2c/drivers/ina3221/<dev>/hwmon/hwmon<N>/in<i>_label with in<i>_input (mV) and
 *   curr<i>_input (mA); a rail labelled NC is not connected;
 * - model: /proc/device-tree/model; L4T release: /etc/nv_tegra_release; power mode: /var/lib/nvpmodel/status
 *   (pmode:<id>) named by /etc/nvpmodel.conf (< POWER_MODEL ID=<id> NAME=<name> >).
 * Every path is taken under a root folder ('/' on a device), so tests can lay out fake trees.
 */
import { readFile, readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';

import type { JetsonState, PowerRailState, Reading, ThermalZoneState, Unknown } from '../types.js';
import { Sampled } from './sampled.js';

const GPU_DEVFREQ = /\.(gpu|ga10b|gv11b|gp10b)$/;
const GPU_OF_NAMES = new Set(['gpu', 'ga10b', 'gv11b', 'gp10b']);
/** A thermal zone reading of -256 °C: the sensor is offline. */
export const OFFLINE_MILLICELSIUS = -256000;

const why = (err: unknown) => (err as NodeJS.ErrnoException)?.code ?? (err as Error)?.message ?? String(err);

async function text(path: string): Promise<string> {
  return (await readFile(path, 'utf8')).replace(/\0/g, '').trim();
}

/** Reads a file as text; an Unknown naming the path and the reason when it cannot. */
async function textOr(path: string): Promise<Reading<string>> {
  try {
    return await text(path);
  } catch (err) {
    return { unknown: `cannot read ${path}: ${why(err)}` };
  }
}

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

async function number(path: string): Promise<number> {
  const t = await text(path);
  const n = Number(t);
  if (t === '' || !Number.isFinite(n)) throw new Error(`not a number: ${JSON.stringify(t)}`);
  return n;
}

interface Zone {
  zone: string;
  type: string;
  path: string;
  celsius: Sampled;
  offline: boolean;
}

interface Rail {
  label: string;
  channel: string;
  voltage: string;
  current: string;
  voltageV: Sampled;
  currentA: Sampled;
  powerW: Sampled;
}

/** Reads a Jetson's static facts once and samples its clocks, load, temperatures and rails on demand. */
export class JetsonReader {
  #gpu?: { dir: string; devfreq: string; governor: Reading<string>; maxFreqMHz: Reading<number>; cur: Sampled; load: Sampled; loadPath: string };
  #gpuMissing = '';
  #zones: Zone[] = [];
  #rails: Rail[] = [];
  #static: { model: Reading<string>; l4t: Reading<string>; powerMode: Reading<string> } = {
    model: { unknown: '' },
    l4t: { unknown: '' },
    powerMode: { unknown: '' },
  };

  private constructor(readonly root: string) {}

  /** Looks for a Jetson under `root`; an Unknown saying why not when there is none. */
  static async open(root = '/'): Promise<JetsonReader | Unknown> {
    const r = new JetsonReader(root);
    const release = await textOr(join(root, 'etc/nv_tegra_release'));
    await r.#findGpu();
    if (typeof release !== 'string' && !r.#gpu) {
      return { unknown: `not a Jetson: no ${join(root, 'etc/nv_tegra_release')} and no GPU in ${join(root, 'sys/class/devfreq')}` };
    }
    r.#static = { model: await textOr(join(root, 'proc/device-tree/model')), l4t: l4tRelease(release), powerMode: await r.#powerMode() };
    await r.#findZones();
    await r.#findRails();
    return r;
  }

  async #findGpu(): Promise<void> {
    const base = join(this.root, 'sys/class/devfreq');
    const entries = await list(base);
    let found: string | undefined;
    for (const e of entries.sort()) {
      if (GPU_DEVFREQ.test(e)) {
        found = e;
        break;
      }
      const of = await textOr(join(base, e, 'device/of_node/name'));
      if (typeof of === 'string' && GPU_OF_NAMES.has(of)) {
        found = e;
        break;
      }
    }
    if (!found) {
      this.#gpuMissing = entries.length ? `no GPU among the devfreq devices in ${base} (${entries.join(', ')})` : `no devfreq devices in ${base}`;
      return;
    }
    const dir = join(base, found);
    const maxFreq = await textOr(join(dir, 'max_freq'));
    const max = Number(maxFreq);
    let loadPath = join(dir, 'device/load');
    try {
      loadPath = join(await realpath(join(dir, 'device')), 'load');
    } catch {
      // Reported when sampled.
    }
    this.#gpu = {
      dir,
      devfreq: found,
      governor: await textOr(join(dir, 'governor')),
      maxFreqMHz:
        typeof maxFreq !== 'string'
          ? maxFreq
          : Number.isFinite(max) && maxFreq !== ''
            ? max / 1e6
            : { unknown: `${join(dir, 'max_freq')} holds ${JSON.stringify(maxFreq)}` },
      cur: new Sampled('MHz'),
      load: new Sampled('%'),
      loadPath,
    };
  }

  async #findZones(): Promise<void> {
    const base = join(this.root, 'sys/devices/virtual/thermal');
    const zones = (await list(base)).filter((z) => /^thermal_zone\d+$/.test(z)).sort((a, b) => Number(a.slice(12)) - Number(b.slice(12)));
    for (const zone of zones) {
      const type = await textOr(join(base, zone, 'type'));
      this.#zones.push({
        zone,
        type: typeof type === 'string' ? type : `unknown (${type.unknown})`,
        path: join(base, zone, 'temp'),
        celsius: new Sampled('°C'),
        offline: false,
      });
    }
  }

  async #findRails(): Promise<void> {
    const base = join(this.root, 'sys/bus/i2c/drivers/ina3221');
    for (const dev of (await list(base)).sort()) {
      for (const hw of (await list(join(base, dev, 'hwmon'))).filter((h) => /^hwmon\d+$/.test(h)).sort()) {
        const dir = join(base, dev, 'hwmon', hw);
        const labels = (await list(dir))
          .map((f) => /^in(\d+)_label$/.exec(f))
          .filter((m): m is RegExpExecArray => !!m)
          .sort((a, b) => Number(a[1]) - Number(b[1]));
        for (const m of labels) {
          const label = await textOr(join(dir, m[0]));
          if (typeof label !== 'string' || label === 'NC') continue;
          this.#rails.push({
            label,
            channel: `${dev}/${hw}/in${m[1]}`,
            voltage: join(dir, `in${m[1]}_input`),
            current: join(dir, `curr${m[1]}_input`),
            voltageV: new Sampled('V'),
            currentA: new Sampled('A'),
            powerW: new Sampled('W'),
          });
        }
      }
    }
  }

  async #powerMode(): Promise<Reading<string>> {
    const statusPath = join(this.root, 'var/lib/nvpmodel/status');
    const status = await textOr(statusPath);
    if (typeof status !== 'string') return status;
    const m = /pmode:\s*(\d+)/.exec(status);
    if (!m) return { unknown: `${statusPath} has no pmode: ${JSON.stringify(status.slice(0, 60))}` };
    const id = Number(m[1]);
    const conf = await textOr(join(this.root, 'etc/nvpmodel.conf'));
    const name = typeof conf === 'string' ? new RegExp(`<\\s*POWER_MODEL\\s+ID=${id}\\s+NAME=([^\\s>]+)`).exec(conf)?.[1] : undefined;
    return name ? `${id} (${name})` : `${id}`;
  }

  /** Reads the clock, load, temperatures and rails once. Never throws: a failed read is kept as its reason. */
  async sample(): Promise<void> {
    const g = this.#gpu;
    const jobs: Array<Promise<void>> = [];
    if (g) {
      jobs.push(
        number(join(g.dir, 'cur_freq')).then(
          (hz) => g.cur.add(hz / 1e6),
          (err) => g.cur.fail(`cannot read ${join(g.dir, 'cur_freq')}: ${why(err)}`),
        ),
      );
      jobs.push(
        number(g.loadPath).then(
          (l) => g.load.add(l / 10),
          (err) => g.load.fail(`cannot read ${g.loadPath}: ${why(err)}`),
        ),
      );
    }
    for (const z of this.#zones) {
      jobs.push(
        number(z.path).then(
          (mc) => {
            if (mc === OFFLINE_MILLICELSIUS) z.offline = true;
            else z.celsius.add(mc / 1000);
          },
          (err) => z.celsius.fail(`cannot read ${z.path}: ${why(err)}`),
        ),
      );
    }
    for (const r of this.#rails) {
      jobs.push(
        Promise.allSettled([number(r.voltage), number(r.current)]).then(([v, c]) => {
          if (v.status === 'fulfilled') r.voltageV.add(v.value / 1000);
          else r.voltageV.fail(`cannot read ${r.voltage}: ${why(v.reason)}`);
          if (c.status === 'fulfilled') r.currentA.add(c.value / 1000);
          else r.currentA.fail(`cannot read ${r.current}: ${why(c.reason)}`);
          if (v.status === 'fulfilled' && c.status === 'fulfilled') r.powerW.add((v.value * c.value) / 1e6);
          else r.powerW.fail('needs both the voltage and the current');
        }),
      );
    }
    await Promise.all(jobs);
  }

  /** What was read, with the sampled ranges. */
  state(sampleIntervalMs: number): JetsonState {
    const g = this.#gpu;
    return {
      ...this.#static,
      sampleIntervalMs,
      gpu: g
        ? { devfreq: g.devfreq, governor: g.governor, maxFreqMHz: g.maxFreqMHz, curFreqMHz: g.cur.reading(), loadPercent: g.load.reading() }
        : { unknown: this.#gpuMissing },
      thermal: this.#zones.map(
        (z): ThermalZoneState => ({
          zone: z.zone,
          type: z.type,
          celsius: z.celsius.count ? z.celsius.reading() : z.offline ? { unknown: 'offline (the sensor reads -256 °C)' } : z.celsius.reading(),
        }),
      ),
      rails: this.#rails.map(
        (r): PowerRailState => ({
          label: r.label,
          channel: r.channel,
          voltageV: r.voltageV.reading(),
          currentA: r.currentA.reading(),
          powerW: r.powerW.reading(),
        }),
      ),
    };
  }
}

/** 'R35.4.1' from "# R35 (release), REVISION: 4.1, GCID: ...". */
function l4tRelease(release: Reading<string>): Reading<string> {
  if (typeof release !== 'string') return release;
  const m = /R(\d+)\s*\(release\),\s*REVISION:\s*([\d.]+)/.exec(release);
  return m ? `R${m[1]}.${m[2]}` : { unknown: `unrecognised /etc/nv_tegra_release: ${JSON.stringify(release.split('\n')[0].slice(0, 80))}` };
}
