/**
 * Reads TensorRT's engine inspector JSON (`IEngineInspector::getEngineInformation(kJSON)` with detailed
 * profiling verbosity): engine layers and the precision each one runs in.
 */
export interface EngineLayer {
  name: string;
  type: string;
  /** Output formats as TensorRT writes them, e.g. "Row major linear FP32". */
  outputFormats: string[];
}

export function parseEngineInfo(json: string): EngineLayer[] {
  if (!json) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return [];
  }
  const layers = (parsed as { Layers?: unknown[] })?.Layers;
  if (!Array.isArray(layers)) return [];
  return layers.map((l) => {
    if (typeof l === 'string') return { name: l, type: '', outputFormats: [] };
    const o = l as { Name?: string; LayerType?: string; Outputs?: Array<Record<string, string>> };
    return {
      name: o.Name ?? '',
      type: o.LayerType ?? '',
      outputFormats: (o.Outputs ?? []).map((x) => x['Format/Datatype'] ?? ''),
    };
  });
}

/** Compute layers that produce FP32 in an FP16 build (format conversions and no-ops excluded). */
export function fp32Layers(layers: EngineLayer[]): string[] {
  const ignored = new Set(['Reformat', 'NoOp', 'Shuffle', 'Constant', 'Cast']);
  return layers.filter((l) => !ignored.has(l.type) && l.outputFormats.some((f) => /FP32|\bFloat\b/.test(f))).map((l) => l.name);
}
