// A stand-in libnvidia-ml.so.1 for testing trtjs's NVML reader (native/cuda/nvml.cpp) where no NVIDIA driver is
// installed: one device, at PCI bus 0000:00:00.0 (the stand-in CUDA runtime's) and index 0, with fixed readings. The
// memory clock is "not supported", as on some boards, so that a reading's own reason is exercised. Built by
// test/unit/bench-device.test.ts into a temporary folder put on LD_LIBRARY_PATH.
#include <cstdio>
#include <cstring>

extern "C" {
using Status = int;
struct Utilization {
  unsigned gpu, memory;
};
static int device = 0x5a;
static bool initialised = false;
#define EXPORT __attribute__((visibility("default")))

EXPORT Status nvmlInit_v2() {
  initialised = true;
  return 0;
}
EXPORT const char* nvmlErrorString(Status s) {
  switch (s) {
    case 1:
      return "Uninitialized";
    case 3:
      return "Not Supported";
    case 6:
      return "Not Found";
    default:
      return "Unknown Error";
  }
}
EXPORT Status nvmlSystemGetDriverVersion(char* out, unsigned n) {
  std::snprintf(out, n, "580.65.06");
  return initialised ? 0 : 1;
}
EXPORT Status nvmlDeviceGetHandleByPciBusId_v2(const char* bus, void** d) {
  if (!initialised) return 1;
  if (std::strcmp(bus, "0000:00:00.0") != 0) return 6;
  *d = &device;
  return 0;
}
EXPORT Status nvmlDeviceGetHandleByIndex_v2(unsigned i, void** d) {
  if (!initialised) return 1;
  if (i != 0) return 6;
  *d = &device;
  return 0;
}
EXPORT Status nvmlDeviceGetName(void* d, char* out, unsigned n) {
  if (d != &device) return 2;
  std::snprintf(out, n, "trtjs stand-in NVML GPU");
  return 0;
}
EXPORT Status nvmlDeviceGetClockInfo(void* d, int type, unsigned* mhz) {
  if (d != &device) return 2;
  if (type == 2) return 3;  // memory clock: not supported
  *mhz = type == 1 ? 1410 : 1395;
  return 0;
}
EXPORT Status nvmlDeviceGetMaxClockInfo(void* d, int type, unsigned* mhz) {
  if (d != &device) return 2;
  if (type == 2) return 3;
  *mhz = 1980;
  return 0;
}
EXPORT Status nvmlDeviceGetTemperature(void* d, int sensor, unsigned* t) {
  if (d != &device || sensor != 0) return 2;
  *t = 64;
  return 0;
}
EXPORT Status nvmlDeviceGetPowerUsage(void* d, unsigned* mw) {
  if (d != &device) return 2;
  *mw = 215500;
  return 0;
}
EXPORT Status nvmlDeviceGetEnforcedPowerLimit(void* d, unsigned* mw) {
  if (d != &device) return 2;
  *mw = 700000;
  return 0;
}
EXPORT Status nvmlDeviceGetUtilizationRates(void* d, Utilization* u) {
  if (d != &device) return 2;
  u->gpu = 87;
  u->memory = 30;
  return 0;
}
EXPORT Status nvmlDeviceGetPerformanceState(void* d, int* p) {
  if (d != &device) return 2;
  *p = 0;
  return 0;
}
// Only the pre-535 name: the reader must fall back to it. Software power cap (0x4) and HW slowdown (0x8).
EXPORT Status nvmlDeviceGetCurrentClocksThrottleReasons(void* d, unsigned long long* bits) {
  if (d != &device) return 2;
  *bits = 0x4 | 0x8;
  return 0;
}
}
