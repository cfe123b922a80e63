// CUDA device discovery. Never throws: a machine without a driver or GPU is a normal answer.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace trtjs::cuda {

struct DeviceInfo {
  int index = 0;
  std::string name;
  int major = 0;
  int minor = 0;
  size_t totalMemory = 0;
  int multiProcessors = 0;
  bool integrated = false;  // Jetson: host and device share memory
  bool canMapHostMemory = false;
  std::string pciBusId;
};

struct Report {
  bool available = false;
  std::string error;       // why no device can be used ("" when available)
  int driverVersion = 0;   // CUDA version the driver supports, e.g. 13000; 0 without a driver
  int runtimeVersion = 0;  // the statically linked runtime
  std::vector<DeviceInfo> devices;
};

Report queryDevices();

// 13000 -> "13.0", 12060 -> "12.6"
std::string versionString(int version);

// Free and total memory of `device` (cudaMemGetInfo). Returns "" on success, else the reason.
std::string memoryInfo(int device, size_t& freeBytes, size_t& totalBytes);

// Launches a kernel on `device` and checks its result, proving the binary carries code this GPU can run.
// Returns "" on success, else the reason.
std::string selfTest(int device);

}  // namespace trtjs::cuda
