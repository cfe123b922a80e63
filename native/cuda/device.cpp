#include "cuda/device.h"

#include <cuda_runtime_api.h>

#include "cuda/check.h"

namespace trtjs::cuda {

std::string versionString(int version) {
  if (version <= 0) return "";
  return std::to_string(version / 1000) + "." + std::to_string((version % 1000) / 10);
}

Report queryDevices() {
  Report report;
  // The runtime linked into this binary, known without a driver (cudaRuntimeGetVersion fails without one on 11.x).
  report.runtimeVersion = CUDART_VERSION;
  cudaError_t err = cudaDriverGetVersion(&report.driverVersion);
  if (err != cudaSuccess || report.driverVersion == 0) {
    report.error = "no NVIDIA driver found (libcuda.so.1 could not be loaded)";
    return report;
  }
  int count = 0;
  err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    report.error = errorText(err);
    // The runtime keeps a sticky error after a failed initialisation; clear it for later callers.
    cudaGetLastError();
    return report;
  }
  if (count == 0) {
    report.error = "the driver reports no CUDA device";
    return report;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    err = cudaGetDeviceProperties(&prop, i);
    if (err != cudaSuccess) {
      report.error = "device " + std::to_string(i) + ": " + errorText(err);
      return report;
    }
    DeviceInfo info;
    info.index = i;
    info.name = prop.name;
    info.major = prop.major;
    info.minor = prop.minor;
    info.totalMemory = prop.totalGlobalMem;
    info.multiProcessors = prop.multiProcessorCount;
    info.integrated = prop.integrated != 0;
    info.canMapHostMemory = prop.canMapHostMemory != 0;
    char bus[32] = {0};
    if (cudaDeviceGetPCIBusId(bus, sizeof bus, i) == cudaSuccess) info.pciBusId = bus;
    report.devices.push_back(std::move(info));
  }
  report.available = true;
  return report;
}

std::string memoryInfo(int device, size_t& freeBytes, size_t& totalBytes) {
  int previous = -1;
  cudaGetDevice(&previous);
  cudaError_t err = cudaSetDevice(device);
  if (err == cudaSuccess) err = cudaMemGetInfo(&freeBytes, &totalBytes);
  if (previous >= 0) cudaSetDevice(previous);
  return err == cudaSuccess ? "" : errorText(err);
}

}  // namespace trtjs::cuda
