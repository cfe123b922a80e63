// A stand-in libcuda.so.1 (the NVIDIA driver's user-space library) that reports the driver version in
// FAKE_CUDA_DRIVER_VERSION (CUDA's encoding: 12020 is 12.2, an R535 driver) and no device. The CUDA runtime that
// trtjs links statically asks the driver for its version and refuses one too old for it (cudaErrorInsufficientDriver)
// before it looks for devices, so this library lets a machine without a GPU see which drivers a binary accepts.
// Runtimes 11.3+ find every driver entry point through cuGetProcAddress (12.0+: cuGetProcAddress_v2, with a status
// argument); everything but the version and cuInit is reported missing.
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
enum { kSuccess = 0, kNoDevice = 100, kNotFound = 500 };

static CUresult getVersion(int* version) {
  const char* text = getenv("FAKE_CUDA_DRIVER_VERSION");
  *version = text ? atoi(text) : 12020;
  return kSuccess;
}

static CUresult init(unsigned flags) {
  (void)flags;
  return kNoDevice;
}

CUresult cuDriverGetVersion(int* version) { return getVersion(version); }
CUresult cuInit(unsigned flags) { return init(flags); }
CUresult cuGetProcAddress(const char* symbol, void** fn, int cudaVersion, unsigned long long flags);
CUresult cuGetProcAddress_v2(const char* symbol, void** fn, int cudaVersion, unsigned long long flags, int* status);

static void* lookup(const char* symbol, int cudaVersion) {
  if (!strcmp(symbol, "cuDriverGetVersion")) return (void*)cuDriverGetVersion;
  if (!strcmp(symbol, "cuInit")) return (void*)cuInit;
  // The signature the caller expects depends on the CUDA version it asks for.
  if (!strcmp(symbol, "cuGetProcAddress")) return cudaVersion >= 12000 ? (void*)cuGetProcAddress_v2 : (void*)cuGetProcAddress;
  return NULL;
}

CUresult cuGetProcAddress(const char* symbol, void** fn, int cudaVersion, unsigned long long flags) {
  (void)flags;
  *fn = lookup(symbol, cudaVersion);
  return *fn ? kSuccess : kNotFound;
}

CUresult cuGetProcAddress_v2(const char* symbol, void** fn, int cudaVersion, unsigned long long flags, int* status) {
  (void)flags;
  *fn = lookup(symbol, cudaVersion);
  if (status) *status = *fn ? 0 : 1;  // CU_GET_PROC_ADDRESS_SUCCESS / _SYMBOL_NOT_FOUND
  return *fn ? kSuccess : kNotFound;
}

CUresult cuGetExportTable(const void** table, const void* id) {
  (void)table;
  (void)id;
  return kNotFound;
}
