// What NVML (libnvidia-ml.so.1, opened at run time: the addon never links it) says about a discrete GPU now: clocks,
// temperature, power, utilisation and why clocks are held down. One call reads everything once; callers sample it.
// Never throws: a missing library, a driver without NVML or a reading the device does not support is an answer,
// carried as the reason in `error` (everything) or per reading.
#pragma once
#include <cstdint>
#include <string>

namespace trtjs::cuda {

struct NvmlReading {
  bool ok = false;
  double value = 0;
  std::string error;  // why not, when !ok
};

struct NvmlSample {
  std::string error;    // "" when NVML answered for the device; else why nothing could be read
  std::string library;  // the library opened
  std::string driverVersion;
  std::string name;
  NvmlReading smClockMHz, memoryClockMHz, graphicsClockMHz;
  NvmlReading maxSmClockMHz, maxMemoryClockMHz;
  NvmlReading temperatureC;
  NvmlReading powerW, powerLimitW;
  NvmlReading gpuUtilizationPercent, memoryUtilizationPercent;
  NvmlReading performanceState;   // P-state: 0 fastest .. 15 slowest
  NvmlReading clockEventReasons;  // NVML's clocks event (throttle) reason bits, decoded by the caller
};

// Reads the device with this PCI bus id (as the CUDA runtime gives it), or the one at `index` when the id is empty.
NvmlSample readNvml(const std::string& pciBusId, unsigned index);

}  // namespace trtjs::cuda
