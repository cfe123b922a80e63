#include "cuda/nvml.h"

#include <dlfcn.h>

#include <mutex>

namespace trtjs::cuda {

namespace {

// NVML's C API, declared here from its documentation so that no NVML header is needed to build: every handle is a
// pointer and every status an int (0 = success, 3 = not supported).
using Status = int;
using Device = void*;
constexpr Status kSuccess = 0;
constexpr int kClockGraphics = 0, kClockSm = 1, kClockMemory = 2;
constexpr int kTemperatureGpu = 0;
struct Utilization {
  unsigned gpu, memory;
};

struct Api {
  std::string error;
  std::string path;
  const char* (*errorString)(Status) = nullptr;
  Status (*systemGetDriverVersion)(char*, unsigned) = nullptr;
  Status (*byPciBusId)(const char*, Device*) = nullptr;
  Status (*byIndex)(unsigned, Device*) = nullptr;
  Status (*getName)(Device, char*, unsigned) = nullptr;
  Status (*clockInfo)(Device, int, unsigned*) = nullptr;
  Status (*maxClockInfo)(Device, int, unsigned*) = nullptr;
  Status (*temperature)(Device, int, unsigned*) = nullptr;
  Status (*powerUsage)(Device, unsigned*) = nullptr;
  Status (*powerLimit)(Device, unsigned*) = nullptr;
  Status (*utilization)(Device, Utilization*) = nullptr;
  Status (*performanceState)(Device, int*) = nullptr;
  Status (*eventReasons)(Device, unsigned long long*) = nullptr;
};

template <typename F>
void bind(void* lib, F& fn, const char* name) {
  fn = reinterpret_cast<F>(dlsym(lib, name));
}

// Opened and initialised once per process and kept: NVML is reference-counted and cheap to keep.
const Api& api() {
  static Api a;
  static std::once_flag once;
  std::call_once(once, [] {
    const char* name = "libnvidia-ml.so.1";
    void* lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char* why = dlerror();
      a.error = why ? why : std::string("cannot open ") + name;
      return;
    }
    a.path = name;
    Status (*init)() = nullptr;
    bind(lib, init, "nvmlInit_v2");
    if (!init) bind(lib, init, "nvmlInit");
    bind(lib, a.errorString, "nvmlErrorString");
    bind(lib, a.systemGetDriverVersion, "nvmlSystemGetDriverVersion");
    bind(lib, a.byPciBusId, "nvmlDeviceGetHandleByPciBusId_v2");
    if (!a.byPciBusId) bind(lib, a.byPciBusId, "nvmlDeviceGetHandleByPciBusId");
    bind(lib, a.byIndex, "nvmlDeviceGetHandleByIndex_v2");
    if (!a.byIndex) bind(lib, a.byIndex, "nvmlDeviceGetHandleByIndex");
    bind(lib, a.getName, "nvmlDeviceGetName");
    bind(lib, a.clockInfo, "nvmlDeviceGetClockInfo");
    bind(lib, a.maxClockInfo, "nvmlDeviceGetMaxClockInfo");
    bind(lib, a.temperature, "nvmlDeviceGetTemperature");
    bind(lib, a.powerUsage, "nvmlDeviceGetPowerUsage");
    bind(lib, a.powerLimit, "nvmlDeviceGetEnforcedPowerLimit");
    bind(lib, a.utilization, "nvmlDeviceGetUtilizationRates");
    bind(lib, a.performanceState, "nvmlDeviceGetPerformanceState");
    // Renamed in driver 535 ("throttle" became "clocks event"); the old name stays exported by older drivers.
    bind(lib, a.eventReasons, "nvmlDeviceGetCurrentClocksEventReasons");
    if (!a.eventReasons) bind(lib, a.eventReasons, "nvmlDeviceGetCurrentClocksThrottleReasons");
    if (!init || !a.byIndex) {
      a.error = std::string(name) + " has no nvmlInit/nvmlDeviceGetHandleByIndex: not an NVML library";
      return;
    }
    const Status s = init();
    if (s != kSuccess) a.error = "nvmlInit failed: " + (a.errorString ? std::string(a.errorString(s)) : "status " + std::to_string(s));
  });
  return a;
}

std::string statusText(const Api& a, Status s) { return a.errorString ? a.errorString(s) : "NVML status " + std::to_string(s); }

template <typename Read>
NvmlReading reading(const Api& a, bool present, const char* function, Read read) {
  NvmlReading r;
  if (!present) {
    r.error = std::string("this NVML has no ") + function;
    return r;
  }
  double value = 0;
  const Status s = read(value);
  if (s == kSuccess) {
    r.ok = true;
    r.value = value;
  } else {
    r.error = std::string(function) + ": " + statusText(a, s);
  }
  return r;
}

}  // namespace

NvmlSample readNvml(const std::string& pciBusId, unsigned index) {
  NvmlSample out;
  const Api& a = api();
  out.library = a.path;
  if (!a.error.empty()) {
    out.error = a.error;
    return out;
  }
  Device d = nullptr;
  Status s = !pciBusId.empty() && a.byPciBusId ? a.byPciBusId(pciBusId.c_str(), &d) : a.byIndex(index, &d);
  if (s != kSuccess) {
    out.error = "NVML has no device " + (pciBusId.empty() ? std::to_string(index) : pciBusId) + ": " + statusText(a, s);
    return out;
  }
  char text[96] = {};
  if (a.systemGetDriverVersion && a.systemGetDriverVersion(text, sizeof text) == kSuccess) out.driverVersion = text;
  text[0] = 0;
  if (a.getName && a.getName(d, text, sizeof text) == kSuccess) out.name = text;
  auto clock = [&](auto fn, int type, const char* what) {
    return reading(a, fn != nullptr, what, [&](double& v) {
      unsigned mhz = 0;
      const Status st = fn(d, type, &mhz);
      v = mhz;
      return st;
    });
  };
  out.smClockMHz = clock(a.clockInfo, kClockSm, "nvmlDeviceGetClockInfo(SM)");
  out.memoryClockMHz = clock(a.clockInfo, kClockMemory, "nvmlDeviceGetClockInfo(MEM)");
  out.graphicsClockMHz = clock(a.clockInfo, kClockGraphics, "nvmlDeviceGetClockInfo(GRAPHICS)");
  out.maxSmClockMHz = clock(a.maxClockInfo, kClockSm, "nvmlDeviceGetMaxClockInfo(SM)");
  out.maxMemoryClockMHz = clock(a.maxClockInfo, kClockMemory, "nvmlDeviceGetMaxClockInfo(MEM)");
  out.temperatureC = reading(a, a.temperature != nullptr, "nvmlDeviceGetTemperature", [&](double& v) {
    unsigned t = 0;
    const Status st = a.temperature(d, kTemperatureGpu, &t);
    v = t;
    return st;
  });
  auto milliwatts = [&](auto fn, const char* what) {
    return reading(a, fn != nullptr, what, [&](double& v) {
      unsigned mw = 0;
      const Status st = fn(d, &mw);
      v = mw / 1000.0;
      return st;
    });
  };
  out.powerW = milliwatts(a.powerUsage, "nvmlDeviceGetPowerUsage");
  out.powerLimitW = milliwatts(a.powerLimit, "nvmlDeviceGetEnforcedPowerLimit");
  Utilization u{};
  const Status us = a.utilization ? a.utilization(d, &u) : kSuccess;
  out.gpuUtilizationPercent = reading(a, a.utilization != nullptr, "nvmlDeviceGetUtilizationRates", [&](double& v) {
    v = u.gpu;
    return us;
  });
  out.memoryUtilizationPercent = reading(a, a.utilization != nullptr, "nvmlDeviceGetUtilizationRates", [&](double& v) {
    v = u.memory;
    return us;
  });
  out.performanceState = reading(a, a.performanceState != nullptr, "nvmlDeviceGetPerformanceState", [&](double& v) {
    int p = 0;
    const Status st = a.performanceState(d, &p);
    v = p;
    return st;
  });
  out.clockEventReasons = reading(a, a.eventReasons != nullptr, "nvmlDeviceGetCurrentClocksEventReasons", [&](double& v) {
    unsigned long long bits = 0;
    const Status st = a.eventReasons(d, &bits);
    v = static_cast<double>(bits);
    return st;
  });
  return out;
}

}  // namespace trtjs::cuda
