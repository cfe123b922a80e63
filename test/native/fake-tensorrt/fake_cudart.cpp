// The CUDA runtime calls trtjs makes, over host memory, for running its TensorRT layer on the CPU with the stand-in
// libnvinfer (scripts/check-trt-runtime.sh): one device (0) that reports itself as "trtjs stand-in GPU" (integrated
// when FAKE_CUDA_INTEGRATED=1; FAKE_CUDA_DEVICES=n for more), the current device kept per thread as CUDA keeps it,
// "device" memory from malloc, streams that complete at once (kernels: fake_kernels.cpp), the null stream accepted (and counted). Counts what is
// allocated, and pinned memory that is not portable, so the checks can see that everything is given back. An event records the host
// clock when it is recorded: the stand-in's streams finish each call as it is made, so that is when a GPU would
// reach it.
#include <cuda_runtime_api.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>

namespace {
// A stream runs each call as it is made, except while it is captured into a graph (cudaStreamBeginCapture): then its
// work is recorded, and runs when the graph is launched, as CUDA graphs do. What cannot be captured (synchronizing,
// querying the stream) fails and invalidates the capture, as in CUDA.
struct Stream {
  bool capturing = false;
  bool invalidated = false;
  std::vector<std::function<void()>> recorded;
};
struct Graph {
  std::vector<std::function<void()>> work;
};
std::atomic<long> graphs{0}, graphLaunches{0};
Stream* streamOf(cudaStream_t s) { return reinterpret_cast<Stream*>(s); }
// Runs `work` now, or records it into the stream's capture.
void enqueue(cudaStream_t s, std::function<void()> work) {
  if (s && streamOf(s)->capturing)
    streamOf(s)->recorded.push_back(std::move(work));
  else
    work();
}
// A call a capture cannot hold: fails, and the capture with it.
bool refusedInCapture(cudaStream_t s) {
  if (!s || !streamOf(s)->capturing) return false;
  streamOf(s)->invalidated = true;
  return true;
}
std::atomic<long> deviceBlocks{0}, hostBlocks{0}, streams{0}, events{0}, notPortable{0}, nullStreams{0};
std::atomic<long long> deviceBytes{0};
thread_local int current = 0;
constexpr size_t kTotal = size_t{8} << 30;
int deviceCount() {
  const char* n = std::getenv("FAKE_CUDA_DEVICES");
  return n && std::atoi(n) > 0 ? std::atoi(n) : 1;
}
}  // namespace

// Pinned blocks allocated without cudaHostAllocPortable (page-locked for the device current then only), and calls
// that used the null stream.
extern "C" void fakeCudaUsage(long* hostNotPortable, long* nullStreamCalls) {
  *hostNotPortable = notPortable;
  *nullStreamCalls = nullStreams;
}

extern "C" void fakeCudaCounters(long* device, long* host, long* liveStreams) {
  *device = deviceBlocks;
  *host = hostBlocks;
  *liveStreams = streams;
}

cudaError_t cudaSetDevice(int device) {
  if (device < 0 || device >= deviceCount()) return cudaErrorInvalidDevice;
  current = device;
  return cudaSuccess;
}
cudaError_t cudaGetDevice(int* device) {
  *device = current;
  return cudaSuccess;
}
// Each block carries its size in front, so cudaFree can count the bytes back (cudaMemGetInfo reports them).
cudaError_t cudaMalloc(void** ptr, size_t size) {
  auto* block = static_cast<size_t*>(std::malloc(size + 16));
  if (!block) return cudaErrorMemoryAllocation;
  block[0] = size;
  *ptr = reinterpret_cast<char*>(block) + 16;
  ++deviceBlocks;
  deviceBytes += static_cast<long long>(size);
  return cudaSuccess;
}
cudaError_t cudaFree(void* ptr) {
  if (!ptr) return cudaSuccess;
  auto* block = reinterpret_cast<size_t*>(static_cast<char*>(ptr) - 16);
  --deviceBlocks;
  deviceBytes -= static_cast<long long>(block[0]);
  std::free(block);
  return cudaSuccess;
}
cudaError_t cudaMemGetInfo(size_t* free, size_t* total) {
  *total = kTotal;
  *free = kTotal - static_cast<size_t>(deviceBytes.load());
  return cudaSuccess;
}
cudaError_t cudaGetDeviceCount(int* count) {
  *count = deviceCount();
  return cudaSuccess;
}
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device) {
  if (device < 0 || device >= deviceCount()) return cudaErrorInvalidDevice;
  std::memset(prop, 0, sizeof *prop);
  if (device == 0)
    std::snprintf(prop->name, sizeof prop->name, "trtjs stand-in GPU");
  else
    std::snprintf(prop->name, sizeof prop->name, "trtjs stand-in GPU %d", device);
  prop->major = 9;
  prop->minor = 0;
  prop->totalGlobalMem = kTotal;
  prop->multiProcessorCount = 4;
  const char* integrated = std::getenv("FAKE_CUDA_INTEGRATED");
  prop->integrated = integrated && *integrated == '1';
  prop->canMapHostMemory = 1;
  return cudaSuccess;
}
cudaError_t cudaDeviceGetPCIBusId(char* id, int len, int device) {
  if (device < 0 || device >= deviceCount()) return cudaErrorInvalidDevice;
  std::snprintf(id, static_cast<size_t>(len), "0000:%02x:00.0", device);
  return cudaSuccess;
}
cudaError_t cudaDriverGetVersion(int* version) {
  *version = 13000;
  return cudaSuccess;
}
cudaError_t cudaRuntimeGetVersion(int* version) {
  *version = 13000;
  return cudaSuccess;
}
cudaError_t cudaHostAlloc(void** ptr, size_t size, unsigned int flags) {
  if (!(flags & cudaHostAllocPortable)) ++notPortable;
  *ptr = std::malloc(size);
  if (!*ptr) return cudaErrorMemoryAllocation;
  ++hostBlocks;
  return cudaSuccess;
}
cudaError_t cudaFreeHost(void* ptr) {
  if (ptr) --hostBlocks;
  std::free(ptr);
  return cudaSuccess;
}
cudaError_t cudaHostGetDevicePointer(void** device, void* host, unsigned int) {
  *device = host;  // one address space, as on an integrated GPU
  return cudaSuccess;
}
cudaError_t cudaMallocHost(void** ptr, size_t size) { return cudaHostAlloc(ptr, size, cudaHostAllocPortable); }
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t count, cudaMemcpyKind, cudaStream_t stream) {
  if (!stream) ++nullStreams;  // the legacy default stream: valid, and synchronizing with everything
  enqueue(stream, [=] { std::memcpy(dst, src, count); });
  return cudaSuccess;
}
cudaError_t cudaMemsetAsync(void* dst, int value, size_t count, cudaStream_t stream) {
  if (!stream) ++nullStreams;
  enqueue(stream, [=] { std::memset(dst, value, count); });
  return cudaSuccess;
}
cudaError_t cudaLaunchHostFunc(cudaStream_t stream, cudaHostFn_t fn, void* data) {
  if (!stream) ++nullStreams;
  enqueue(stream, [=] { fn(data); });
  return cudaSuccess;
}
// For the stand-in kernels (fake_kernels.cpp): a launch on `stream`, run now or recorded into its capture.
void fakeCudaLaunch(cudaStream_t stream, std::function<void()> kernel) { enqueue(stream, std::move(kernel)); }
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned int) {
  *stream = reinterpret_cast<cudaStream_t>(new Stream);
  ++streams;
  return cudaSuccess;
}
cudaError_t cudaStreamSynchronize(cudaStream_t stream) {
  if (!stream) ++nullStreams;
  if (refusedInCapture(stream)) return cudaErrorStreamCaptureUnsupported;
  return cudaSuccess;
}
cudaError_t cudaStreamDestroy(cudaStream_t stream) {
  if (!stream) return cudaErrorInvalidResourceHandle;
  delete streamOf(stream);
  --streams;
  return cudaSuccess;
}
cudaError_t cudaStreamBeginCapture(cudaStream_t stream, cudaStreamCaptureMode) {
  if (!stream) return cudaErrorStreamCaptureUnsupported;  // the legacy stream cannot be captured
  Stream& s = *streamOf(stream);
  if (s.capturing) return cudaErrorIllegalState;
  s = Stream{};
  s.capturing = true;
  return cudaSuccess;
}
cudaError_t cudaStreamEndCapture(cudaStream_t stream, cudaGraph_t* graph) {
  *graph = nullptr;
  if (!stream || !streamOf(stream)->capturing) return cudaErrorIllegalState;
  Stream& s = *streamOf(stream);
  const bool invalidated = s.invalidated;
  auto* g = new Graph{std::move(s.recorded)};
  s = Stream{};
  if (invalidated) {
    delete g;
    return cudaErrorStreamCaptureInvalidated;
  }
  ++graphs;
  *graph = reinterpret_cast<cudaGraph_t>(g);
  return cudaSuccess;
}
cudaError_t cudaStreamIsCapturing(cudaStream_t stream, cudaStreamCaptureStatus* status) {
  *status = stream && streamOf(stream)->capturing ? (streamOf(stream)->invalidated ? cudaStreamCaptureStatusInvalidated : cudaStreamCaptureStatusActive)
                                                  : cudaStreamCaptureStatusNone;
  return cudaSuccess;
}
cudaError_t cudaGraphInstantiateWithFlags(cudaGraphExec_t* exec, cudaGraph_t graph, unsigned long long) {
  if (!graph) return cudaErrorInvalidValue;
  *exec = reinterpret_cast<cudaGraphExec_t>(new Graph(*reinterpret_cast<Graph*>(graph)));
  ++graphs;
  return cudaSuccess;
}
// FAKE_CUDA_GRAPH_ERROR=1: a launch fails as one whose kernels read out of bounds would.
cudaError_t cudaGraphLaunch(cudaGraphExec_t exec, cudaStream_t stream) {
  if (!exec) return cudaErrorInvalidValue;
  const char* failing = std::getenv("FAKE_CUDA_GRAPH_ERROR");
  if (failing && *failing == '1') return cudaErrorIllegalAddress;
  ++graphLaunches;
  for (const auto& work : reinterpret_cast<Graph*>(exec)->work) enqueue(stream, work);
  return cudaSuccess;
}
cudaError_t cudaGraphDestroy(cudaGraph_t graph) {
  if (graph) --graphs;
  delete reinterpret_cast<Graph*>(graph);
  return cudaSuccess;
}
cudaError_t cudaGraphExecDestroy(cudaGraphExec_t exec) {
  if (exec) --graphs;
  delete reinterpret_cast<Graph*>(exec);
  return cudaSuccess;
}
// Graphs and instantiated graphs alive, and graph launches so far.
extern "C" void fakeCudaGraphs(long* alive, long* launches) {
  *alive = graphs;
  *launches = graphLaunches;
}
// An event is a heap double: the steady-clock time in ms it was last recorded at, NaN before that.
cudaError_t cudaEventCreate(cudaEvent_t* event) {
  *event = reinterpret_cast<cudaEvent_t>(new double(__builtin_nan("")));
  ++events;
  return cudaSuccess;
}
cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned int) { return cudaEventCreate(event); }
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream) {
  if (!event) return cudaErrorInvalidResourceHandle;
  if (!stream) ++nullStreams;
  *reinterpret_cast<double*>(event) = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
  return cudaSuccess;
}
cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end) {
  if (!start || !end) return cudaErrorInvalidResourceHandle;
  const double a = *reinterpret_cast<double*>(start), b = *reinterpret_cast<double*>(end);
  if (a != a || b != b) return cudaErrorInvalidResourceHandle;  // never recorded
  *ms = static_cast<float>(b - a);
  return cudaSuccess;
}
cudaError_t cudaEventDestroy(cudaEvent_t event) {
  if (!event) return cudaErrorInvalidResourceHandle;
  delete reinterpret_cast<double*>(event);
  --events;
  return cudaSuccess;
}
cudaError_t cudaStreamQuery(cudaStream_t stream) {
  if (!stream) ++nullStreams;
  if (refusedInCapture(stream)) return cudaErrorStreamCaptureUnsupported;
  return cudaSuccess;
}
extern "C" long fakeCudaEvents() { return events; }
cudaError_t cudaGetLastError() { return cudaSuccess; }
// The names of the errors the stand-in (and its kernels, fake_kernels.cpp) return, as the CUDA runtime gives them.
const char* cudaGetErrorName(cudaError_t err) {
  switch (err) {
    case cudaSuccess:
      return "cudaSuccess";
    case cudaErrorMemoryAllocation:
      return "cudaErrorMemoryAllocation";
    case cudaErrorInvalidDevice:
      return "cudaErrorInvalidDevice";
    case cudaErrorInvalidResourceHandle:
      return "cudaErrorInvalidResourceHandle";
    case cudaErrorIllegalAddress:
      return "cudaErrorIllegalAddress";
    case cudaErrorStreamCaptureUnsupported:
      return "cudaErrorStreamCaptureUnsupported";
    case cudaErrorStreamCaptureInvalidated:
      return "cudaErrorStreamCaptureInvalidated";
    default:
      return "cudaErrorFake";
  }
}
const char* cudaGetErrorString(cudaError_t err) { return err == cudaErrorIllegalAddress ? "an illegal memory access was encountered" : "fake CUDA error"; }
