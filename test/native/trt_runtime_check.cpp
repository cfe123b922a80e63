// trtjs's TensorRT layer (native/trt: runtime, builder, loader, logger, with the real pinned memory) run against the
// stand-in libnvinfer, ONNX parser and CUDA runtime in test/native/fake-tensorrt, on the CPU, under ASan/UBSan, once
// per TensorRT header set (scripts/check-trt-runtime.sh). It checks what the layer decides: contexts for the profiles
// it is given, engine copies before TensorRT 10 only, staging sizes (vectorized formats padded), shape checks before
// enqueue, errors with TensorRT's own messages, warnings kept, concurrent contexts, teardown on the engine's device,
// portable pinned memory, per-profile context memory, host code only when allowed, builder resources preloaded, a
// build cancelled in a nested phase, and that everything allocated is given back. TensorRT's own behaviour is not
// under test here; the trt tier covers that where TensorRT exists.
#include <dlfcn.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <chrono>
#include <memory>

#include "common/coded_error.h"
#include "cuda/pinned.h"
#include "trt/builder.h"
#include "trt/layers/search.h"
#include "trt/loader.h"
#include "trt/logger.h"
#include "trt/runtime.h"

extern "C" void fakeCudaCounters(long* device, long* host, long* streams);
extern "C" long fakeCudaEvents();
extern "C" void fakeCudaUsage(long* hostNotPortable, long* nullStreamCalls);
extern "C" cudaError_t cudaMemGetInfo(size_t* free, size_t* total);
extern "C" void fakeCudaGraphs(long* alive, long* launches);

using trtjs::CodedError;
using trtjs::trt::BuildParams;
using trtjs::trt::ContextMemory;
using trtjs::trt::GraphMode;
using trtjs::trt::GraphResult;
using trtjs::trt::ImageInRequest;
using trtjs::trt::LoadOptions;
using trtjs::trt::RunOptions;
using trtjs::trt::RunTiming;
using trtjs::TRTJS_TRT_NS::EngineRuntime;

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
  if (!ok) ++failures;
}

void expectError(const std::string& code, const std::string& part, const std::function<void()>& fn, const std::string& what) {
  try {
    fn();
    check(false, what + " (no error)");
  } catch (const CodedError& e) {
    const bool ok = e.code == code && std::string(e.what()).find(part) != std::string::npos;
    check(ok, what + (ok ? "" : std::string(" (got ") + e.code + ": " + e.what() + ")"));
  }
}

struct FakeTrt {
  void (*counters)(int*, int*, int*) = nullptr;
  void (*device)(int*, int*) = nullptr;
  void (*builds)(int*, int*, int*) = nullptr;
  void* (*createBuilder)(void*, int32_t) = nullptr;
  int alive() const {
    int a, m, e;
    counters(&a, &m, &e);
    return a;
  }
  int made() const {
    int a, m, e;
    counters(&a, &m, &e);
    return m;
  }
  int enqueued() const {
    int a, m, e;
    counters(&a, &m, &e);
    return e;
  }
  int wrongDevice() const {
    int w, n;
    device(&w, &n);
    return w;
  }
  int nullStreams() const {
    int w, n;
    device(&w, &n);
    return n;
  }
  int stoppedBuilds() const {
    int b, r, s;
    builds(&b, &r, &s);
    return s;
  }
};

std::vector<uint8_t> plan(const std::string& text) { return {text.begin(), text.end()}; }

// Deserializes and makes one context per entry of `profiles`.
std::unique_ptr<EngineRuntime> load(const std::vector<uint8_t>& bytes, const std::vector<int>& profiles, bool mapped = false,
                                    ContextMemory memory = ContextMemory::kStatic, int device = 0, LoadOptions options = {}) {
  auto rt = std::make_unique<EngineRuntime>(bytes.data(), bytes.size(), device, options);
  rt->createContexts(profiles, mapped, memory);
  return rt;
}

int64_t deviceBytesInUse() {
  size_t free = 0, total = 0;
  cudaMemGetInfo(&free, &total);
  return static_cast<int64_t>(total - free);
}

// A minimal ONNX model, protobuf-encoded by hand: input x float32 [1, n] (n a dim_param), output y of the same type
// and shape. The stand-in parser makes y a copy of x.
std::string varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  return out + static_cast<char>(v);
}
std::string field(int number, const std::string& bytes) { return varint(static_cast<uint64_t>(number) << 3 | 2) + varint(bytes.size()) + bytes; }
std::string intField(int number, uint64_t v) { return varint(static_cast<uint64_t>(number) << 3) + varint(v); }
std::string valueInfo(const std::string& name) {
  const std::string dims = field(1, intField(1, 1)) + field(1, field(2, "n"));
  return field(1, name) + field(2, field(1, intField(1, 1) + field(2, dims)));
}
std::vector<uint8_t> tinyOnnx() {
  const std::string node = field(1, "x") + field(2, "y") + field(4, "Identity");
  const std::string graph = field(1, node) + field(2, "g") + field(11, valueInfo("x")) + field(12, valueInfo("y"));
  const std::string model = intField(1, 8) + field(7, graph);
  return {model.begin(), model.end()};
}

// Two profiles over one dynamic input; the output copies it.
const std::string kDynamic =
    "ftrt-fake\n"
    "in images 0 -1,3,-1,-1\n"
    "out output0 0 -1,3,-1,-1 images\n"
    "profile 0 images 1,3,8,8 1,3,16,16 1,3,16,16\n"
    "profile 1 images 1,3,16,16 2,3,32,32 4,3,32,32\n";

float* floats(EngineRuntime& rt, size_t c, size_t t) { return static_cast<float*>(rt.staging(c, t).host); }

// Fills context c's input with a pattern, runs `shape`, and checks the output is that pattern with the same shape.
bool roundTrip(EngineRuntime& rt, size_t c, const std::vector<int64_t>& shape, float seed) {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  float* in = floats(rt, c, 0);
  for (size_t i = 0; i < n; ++i) in[i] = seed + static_cast<float>(i);
  const auto out = rt.run(c, {shape});
  if (out.size() != 1 || out[0] != shape) return false;
  const float* o = floats(rt, c, 1);
  for (size_t i = 0; i < n; ++i)
    if (o[i] != seed + static_cast<float>(i)) return false;
  return true;
}

}  // namespace

int main() {
  setenv("FAKE_CUDA_DEVICES", "2", 1);  // a second device, for teardown across devices
  const auto& lib = trtjs::TRTJS_TRT_NS::status();
  check(lib.loaded, "the loader opens the stand-in libnvinfer: " + (lib.loaded ? lib.inferPath : lib.error));
  if (!lib.loaded) return 1;
  FakeTrt fake;
  fake.counters = reinterpret_cast<void (*)(int*, int*, int*)>(dlsym(RTLD_DEFAULT, "fakeTrtCounters"));
  if (!fake.counters) {
    // The library was opened RTLD_LOCAL: reach it through its own handle.
    void* h = dlopen(lib.inferPath.c_str(), RTLD_NOW | RTLD_NOLOAD);
    fake.counters = h ? reinterpret_cast<void (*)(int*, int*, int*)>(dlsym(h, "fakeTrtCounters")) : nullptr;
  }
  {
    void* h = dlopen(lib.inferPath.c_str(), RTLD_NOW | RTLD_NOLOAD);
    fake.device = h ? reinterpret_cast<void (*)(int*, int*)>(dlsym(h, "fakeTrtDeviceCounters")) : nullptr;
    fake.builds = h ? reinterpret_cast<void (*)(int*, int*, int*)>(dlsym(h, "fakeTrtBuildCounters")) : nullptr;
    fake.createBuilder = h ? reinterpret_cast<void* (*)(void*, int32_t)>(dlsym(h, "createInferBuilder_INTERNAL")) : nullptr;
  }
  check(fake.counters && fake.device && fake.builds && fake.createBuilder, "the stand-in's counters are reachable");
  if (!fake.counters || !fake.device || !fake.builds || !fake.createBuilder) return 1;

  {
    // Builder resources: libnvinfer looks for its kernel library by bare name, which the dynamic loader does not find
    // in a folder reached by full path (TRTJS_TENSORRT_LIB_DIR, LD_LIBRARY_PATH empty). trtjs finds it there and
    // preloads it by full path before its first builder.
    check(!lib.builderResources.empty() && lib.builderError.empty() && lib.builderResources[0].rfind(trtjs::trt::dirOf(lib.inferPath), 0) == 0,
          "the builder resources are found next to libnvinfer: " + (lib.builderResources.empty() ? lib.builderError : lib.builderResources[0]));
    trtjs::TRTJS_TRT_NS::Capture logged;
    void* direct = fake.createBuilder(&trtjs::TRTJS_TRT_NS::processLogger(), NV_TENSORRT_VERSION);
    check(direct == nullptr && logged.lastError().find("Unable to load library: libnvinfer_builder_resource") != std::string::npos,
          "without the preload, creating a builder fails as TensorRT's does: " + logged.lastError());
    std::string preloadErrors = "?";
    std::unique_ptr<nvinfer1::IBuilder> builder(trtjs::TRTJS_TRT_NS::createBuilder(&preloadErrors));
    check(builder != nullptr && preloadErrors.empty(),
          "after trtjs preloads them by full path, it succeeds" + (preloadErrors.empty() ? "" : ": " + preloadErrors));
  }
  const bool before10 = NV_TENSORRT_MAJOR < 10;

  {
    const auto bytes = plan(kDynamic);
    auto made = load(bytes, {0, 0, 1, 1});
    EngineRuntime& rt = *made;
    check(rt.contextCount() == 4, "four contexts for the profiles given: 0, 0, 1, 1");
    check(rt.describe().profiles.size() == 2 && rt.describe().profiles[1][0].max == std::vector<int64_t>{4, 3, 32, 32}, "profiles described");
    // Each context serves the profile it was given; staging sized for that profile's maximum.
    check(rt.staging(0, 0).bytes == 1 * 3 * 16 * 16 * 4 && rt.staging(1, 0).bytes == 1 * 3 * 16 * 16 * 4, "contexts 0 and 1 serve profile 0");
    check(rt.staging(2, 0).bytes == 4 * 3 * 32 * 32 * 4 && rt.staging(3, 1).bytes == 4 * 3 * 32 * 32 * 4, "contexts 2 and 3 serve profile 1");
    check(fake.alive() == (before10 ? 2 : 1),
          before10 ? "TensorRT 8.6: a second engine copy for the second context per profile" : "TensorRT 10+: all contexts share one engine");
    check(roundTrip(rt, 0, {1, 3, 8, 8}, 1) && roundTrip(rt, 1, {1, 3, 16, 16}, 2), "profile 0 contexts run their shapes");
    check(roundTrip(rt, 2, {4, 3, 32, 32}, 3) && roundTrip(rt, 3, {2, 3, 20, 24}, 4), "profile 1 contexts run theirs, up to the maximum");
    expectError(
        "ERR_SHAPE", "outside this context's optimization profile",
        [&] {
          rt.run(0, {{2, 3, 16, 16}});
        },
        "a batch beyond the profile is refused before TensorRT");
    expectError(
        "ERR_SHAPE", "fake TensorRT: shape outside profile",
        [&] {
          rt.run(2, {{1, 3, 8, 8}});
        },
        "TensorRT's refusal carries its message");
    expectError(
        "ERR_SHAPE", "[1, 3, 0, 8]",
        [&] {
          rt.run(0, {{1, 3, 0, 8}});
        },
        "a zero dimension is refused");
    expectError(
        "ERR_SHAPE", "outside this context",
        [&] {
          rt.run(0, {{1, 3, 8}});
        },
        "a wrong rank is refused");
    expectError(
        "ERR_BAD_INPUT", "no shape for input 'images'", [&] { rt.run(0, {}); }, "a missing shape is refused");
    expectError(
        "ERR_BAD_INPUT", "more shapes than the engine has inputs",
        [&] {
          rt.run(0, {{1, 3, 8, 8}, {1}});
        },
        "extra shapes are refused");
    expectError(
        "ERR_BAD_INPUT", "no execution context 4",
        [&] {
          rt.run(4, {{1, 3, 8, 8}});
        },
        "an unknown context is refused");
    check(roundTrip(rt, 0, {1, 3, 12, 12}, 5), "a context keeps working after refused requests");

    // The four contexts side by side, many times, each checking its own data.
    std::atomic<int> bad{0};
    std::vector<std::thread> threads;
    for (size_t c = 0; c < 4; ++c) {
      threads.emplace_back([&, c] {
        for (int i = 0; i < 200; ++i) {
          const std::vector<int64_t> shape = c < 2 ? std::vector<int64_t>{1, 3, 8 + i % 9, 16} : std::vector<int64_t>{1 + i % 4, 3, 32, 16 + i % 17};
          if (!roundTrip(rt, c, shape, static_cast<float>(c * 1000 + i))) ++bad;
        }
      });
    }
    for (auto& t : threads) t.join();
    check(bad == 0, "four contexts run concurrently without mixing their data (800 requests)");
  }
  check(fake.alive() == 0, "every engine copy is released with the runtime");

  {
    // A request already running on a context: a second one on the same context is refused, not interleaved.
    const auto bytes = plan(kDynamic);
    auto made = load(bytes, {0, 1});
    EngineRuntime& rt = *made;
    setenv("FAKE_TRT_ENQUEUE_MS", "200", 1);
    std::thread first([&] { roundTrip(rt, 0, {1, 3, 8, 8}, 1); });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    expectError(
        "ERR_NATIVE", "already running a request",
        [&] {
          rt.run(0, {{1, 3, 8, 8}});
        },
        "a busy context refuses a second request");
    first.join();
    unsetenv("FAKE_TRT_ENQUEUE_MS");
    check(roundTrip(rt, 0, {1, 3, 8, 8}, 9), "and takes the next one once free");
  }

  {
    // An output that is largest at the smallest input: caught before TensorRT writes past its buffer.
    const auto bytes = plan("ftrt-fake\nin x 0 1,-1\nout y 0 1,-1 x inverse\nprofile 0 x 1,2 1,8 1,8\n");
    auto made = load(bytes, {0});
    EngineRuntime& rt = *made;
    const int before = fake.enqueued();
    expectError(
        "ERR_SHAPE", "output 'y' would have shape [1, 8]",
        [&] {
          rt.run(0, {{1, 2}});
        },
        "an output beyond its buffer is refused before enqueue");
    check(fake.enqueued() == before, "nothing was enqueued");
    check(rt.run(0, {{1, 8}}) == std::vector<std::vector<int64_t>>{{1, 2}}, "the same engine runs shapes whose outputs fit");
  }

  {
    // Static shapes: no profile selection, any number of contexts on one engine.
    const auto bytes = plan("ftrt-fake\nin images 1 1,3,4,4\nout output0 1 1,3,4,4 images\n");
    const int before = fake.made();
    auto made = load(bytes, {0, 0, 0});
    EngineRuntime& rt = *made;
    check(rt.contextCount() == 3 && fake.made() == before + 1, "a static engine: three contexts, one engine, every version");
    check(rt.describe().profiles.size() == 1 && rt.describe().profiles[0].empty(), "static inputs have no profile range");
    check(rt.staging(2, 0).bytes == 1 * 3 * 4 * 4 * 2, "float16 staging sized from the static shape");
    uint16_t* in = static_cast<uint16_t*>(rt.staging(2, 0).host);
    for (int i = 0; i < 48; ++i) in[i] = static_cast<uint16_t>(0x3c00 + i);
    check(rt.run(2, {{1, 3, 4, 4}}) == std::vector<std::vector<int64_t>>{{1, 3, 4, 4}} && std::memcmp(rt.staging(2, 1).host, in, 96) == 0,
          "a static engine runs and copies its float16 output back");
  }

  {
    // Mapped staging (integrated GPUs): TensorRT reads and writes the pinned memory itself.
    long device0, host0, streams0;
    fakeCudaCounters(&device0, &host0, &streams0);
    const auto bytes = plan(kDynamic);
    auto made = load(bytes, {0, 1}, true);
    EngineRuntime& rt = *made;
    long device1, host1, streams1;
    fakeCudaCounters(&device1, &host1, &streams1);
    check(device1 == device0, "mapped: no device buffers");
    check(roundTrip(rt, 1, {3, 3, 24, 24}, 7), "mapped: requests run in place");
  }

  {
    // Timed runs (trtjs bench): events around the copies and the enqueue, the host clock around enqueueV3 alone.
    const auto bytes = plan(kDynamic);
    auto made = load(bytes, {0, 1});
    EngineRuntime& rt = *made;
    setenv("FAKE_TRT_ENQUEUE_MS", "20", 1);
    RunOptions timed;
    timed.timing = true;
    RunTiming t;
    float* in = floats(rt, 0, 0);
    for (int i = 0; i < 3 * 8 * 8; ++i) in[i] = static_cast<float>(i);
    const auto shapes = rt.run(0, {{1, 3, 8, 8}}, timed, &t);
    check(shapes == std::vector<std::vector<int64_t>>{{1, 3, 8, 8}} && floats(rt, 0, 1)[191] == 191.f, "a timed run gives the same outputs");
    check(t.computeMs >= 19.f && t.computeMs < 1000.f, "timed: compute spans the enqueued work (" + std::to_string(t.computeMs) + " ms)");
    check(t.h2dMs >= 0.f && t.d2hMs >= 0.f && t.h2dMs < 5.f && t.d2hMs < 5.f, "timed: H2D and D2H measured, short on the stand-in");
    check(t.issueMs > 0 && t.issueMs <= t.enqueueStartMs && t.enqueueStartMs + 19.0 <= t.enqueueEndMs,
          "timed: host times ordered, Enqueue Time around enqueueV3 alone");
    check(fakeCudaEvents() == 4, "timed: four events, made once per context");
    rt.run(0, {{1, 3, 8, 8}}, timed, &t);
    check(fakeCudaEvents() == 4, "timed: the events are reused by the next run");

    // --noDataTransfers: nothing copied either way, so the output staging keeps what it had.
    RunOptions still = timed;
    still.transfers = false;
    for (int i = 0; i < 3 * 8 * 8; ++i) in[i] = -1.f;
    rt.run(0, {{1, 3, 8, 8}}, still, &t);
    check(floats(rt, 0, 1)[191] == 191.f && t.computeMs >= 19.f && t.h2dMs < 1.f && t.d2hMs < 1.f, "without transfers: no copies, compute still timed");
    unsetenv("FAKE_TRT_ENQUEUE_MS");

    RunOptions spin;
    spin.spinWait = true;
    check(rt.run(0, {{1, 3, 8, 8}}, spin) == std::vector<std::vector<int64_t>>{{1, 3, 8, 8}} && floats(rt, 0, 1)[191] == -1.f,
          "spin-wait: the stream is polled and the run completes");
    expectError(
        "ERR_BAD_INPUT", "somewhere to put its timings",
        [&] {
          rt.run(0, {{1, 3, 8, 8}}, timed, nullptr);
        },
        "a timed run without a timing record is refused");
  }
  check(fakeCudaEvents() == 0, "every event is released with its context");

  {
    // Mapped staging has no copies to time.
    const auto bytes = plan(kDynamic);
    auto made = load(bytes, {0, 1}, true);
    EngineRuntime& rt = *made;
    RunOptions timed;
    timed.timing = true;
    RunTiming t;
    check(roundTrip(rt, 0, {1, 3, 8, 8}, 3), "mapped: untimed run");
    rt.run(0, {{1, 3, 8, 8}}, timed, &t);
    check(t.h2dMs < 1.f && t.d2hMs < 1.f, "mapped and timed: no transfer time");
  }

  expectError(
      "ERR_ENGINE_INCOMPATIBLE", "fake TensorRT: the plan is not a fake plan", [&] { load(plan("ftrt-garbage"), {0}); },
      "a plan TensorRT refuses is ERR_ENGINE_INCOMPATIBLE with TensorRT's own error");
  expectError(
      "ERR_CUDA", "cudaSetDevice(2)", [&] { load(plan(kDynamic), {0}, false, ContextMemory::kStatic, 2); }, "a device that does not exist is ERR_CUDA");
  expectError(
      "ERR_ENGINE_INCOMPATIBLE", "data type trtjs does not exchange", [&] { load(plan("ftrt-fake\nin x 9 1,4\nout y 9 1,4 x\n"), {0}); },
      "an INT4 tensor is refused at load");
  expectError(
      "ERR_SHAPE", "cannot set the maximum shape",
      [&] {
        load(plan("ftrt-fake\nin x 0 1,-1\nout y 0 1,-1 x\nprofile 0 x 1,2 1,8 1,8\nprofile 1 x 1,2 1,8 2,9\n"), {0, 0, 1, 1});
      },
      "a load that fails halfway (a bad profile) reports it");
  expectError(
      "ERR_BAD_INPUT", "optimization profile 2 does not exist (the engine has 2)",
      [&] {
        load(plan(kDynamic), {0, 2});
      },
      "a context for a profile the engine does not have is refused");
  {
    const auto bytes = plan(kDynamic);
    EngineRuntime rt(bytes.data(), bytes.size(), 0, {});
    rt.createContexts({1}, false, ContextMemory::kStatic);
    expectError(
        "ERR_NATIVE", "made already", [&] { rt.createContexts({0}, false, ContextMemory::kStatic); }, "contexts are made once per engine");
    check(rt.contextCount() == 1 && rt.staging(0, 0).bytes == 4 * 3 * 32 * 32 * 4, "a single context on profile 1 only, as asked");
  }

  {
    // Vectorized IO (trtexec --inputIOFormats=fp16:chw16): the channel dimension padded to 16 in the buffers TensorRT
    // reads and writes. The stand-in writes every byte of the padded output; a linear-sized buffer overflows (ASan).
    const auto bytes = plan("ftrt-fake\nin x 1 1,3,4,4\nout y 1 1,3,4,4 x\nformat x 4 1 16\nformat y 4 1 16\n");
    auto made = load(bytes, {0});
    EngineRuntime& rt = *made;
    const auto& t = rt.describe().tensors;
    check(t[0].formats.size() == 1 && t[0].formats[0].format == 4 && t[0].formats[0].vectorizedDim == 1 && t[0].formats[0].components == 16 &&
              t[0].formats[0].text.find("Sixteen wide") != std::string::npos,
          "the format is described: " + t[0].formats[0].text);
    check(rt.staging(0, 0).bytes == 16 * 4 * 4 * 2 && rt.staging(0, 1).bytes == 16 * 4 * 4 * 2, "chw16 staging padded to 16 channels (512 bytes, not 96)");
    check(rt.run(0, {{1, 3, 4, 4}}) == std::vector<std::vector<int64_t>>{{1, 3, 4, 4}}, "a chw16 run stays inside its buffers");
    check(load(plan("ftrt-fake\nin x 0 1,3,4,4\nout y 0 1,3,4,4 x\n"), {0})->describe().tensors[0].formats[0].format == 0,
          "a linear tensor is described as linear");
  }

  {
    // Formats per profile: the profile-less calls answer for profile 0 and warn on engines with several profiles.
    const auto bytes = plan(kDynamic + "format output0 2 1 8 1\n");
    auto made = load(bytes, {0, 1});
    const auto& f = made->describe().tensors[1].formats;
    if (NV_TENSORRT_MAJOR > 8 || NV_TENSORRT_MINOR >= 6) {
      check(f.size() == 2 && f[0].format == 0 && f[1].format == 2, "formats are read per profile (8.6+): linear on 0, hwc8 on 1");
      bool warned = false;
      for (const std::string& w : made->describe().warnings) warned = warned || w.find("profile 0") != std::string::npos;
      check(!warned, "without the profile-less calls' warning");
      check(made->staging(1, 1).bytes == 4 * 8 * 32 * 32 * 4, "profile 1's staging padded for its own format");
    } else {
      check(f.size() == 2 && f[0].format == 0 && f[1].format == 0, "8.5: one format for all profiles (profile 0's)");
    }
  }

  {
    // Load-time warnings (a plan from another GPU or TensorRT warns when deserialized): kept with the description,
    // from the calling thread and from TensorRT's own.
    const auto bytes =
        plan(std::string("ftrt-fake\nin x 0 1,4\nout y 0 1,4 x\nwarn Using an engine plan file across different models of devices is not recommended\n") +
             "threadwarn a warning from one of TensorRT's threads\n");
    EngineRuntime rt(bytes.data(), bytes.size(), 0, {});
    const auto& w = rt.describe().warnings;
    check(w.size() == 2 && w[0].find("across different models of devices") != std::string::npos && w[1].find("TensorRT's threads") != std::string::npos,
          "deserialization warnings are kept, from every thread (" + std::to_string(w.size()) + ")");
    const auto inspected = trtjs::TRTJS_TRT_NS::inspectEngine(bytes.data(), bytes.size(), 0, {});
    check(inspected.warnings.size() == 2, "and reported by inspectEngine too");
  }

  {
    // Version-compatible plans carry host code: refused unless the caller allows it (TensorRT 8.6+).
    const auto bytes = plan("xtrt-fake\nin x 0 1,4\nout y 0 1,4 x\nhostcode\n");
    expectError(
        "ERR_ENGINE_INCOMPATIBLE", "does not allow engine host code", [&] { load(bytes, {0}); }, "a plan with host code is refused by default");
    if (NV_TENSORRT_MAJOR > 8 || NV_TENSORRT_MINOR >= 6) {
      LoadOptions allow;
      allow.allowHostCode = true;
      check(load(bytes, {0}, false, ContextMemory::kStatic, 0, allow)->contextCount() == 1, "and loads once host code is allowed");
    }
  }

  {
    // Device memory per context: every profile's maximum by default; the context's own profile with kON_PROFILE_CHANGE.
    const auto bytes = plan(kDynamic + "memory 4000000\nprofilememory 0 1000000\nprofilememory 1 4000000\n");
    const int64_t base = deviceBytesInUse();
    int64_t byStatic = 0, byProfile = 0;
    {
      auto made = load(bytes, {0, 0, 1});
      byStatic = deviceBytesInUse() - base;
      check(made->describe().deviceMemory == 4000000, "deviceMemory: what a context reserves for all profiles");
      if (NV_TENSORRT_MAJOR >= 10)
        check(made->describe().profileMemory == std::vector<int64_t>{1000000, 4000000}, "profileMemory: per profile (10+)");
      else
        check(made->describe().profileMemory.empty(), "no per-profile memory before TensorRT 10");
    }
    if (NV_TENSORRT_MAJOR >= 10) {
      auto made = load(bytes, {0, 0, 1}, false, ContextMemory::kProfile);
      byProfile = deviceBytesInUse() - base;
      check(byStatic - byProfile == 2 * 3000000, "kON_PROFILE_CHANGE: two profile-0 contexts reserve 1 MB each instead of 4 MB (" + std::to_string(byStatic) +
                                                     " vs " + std::to_string(byProfile) + " bytes)");
      check(made->run(1, {{1, 3, 8, 8}}).size() == 1, "and run");
    } else {
      expectError(
          "ERR_BAD_INPUT", "needs TensorRT 10", [&] { load(bytes, {0}, false, ContextMemory::kProfile); }, "per-profile memory is refused before TensorRT 10");
    }
  }

  {
    // Teardown on the engine's device, whatever device the releasing thread is on; that thread's device kept.
    std::unique_ptr<EngineRuntime> rt;
    std::thread([&] { rt = load(plan(kDynamic), {0, 0, 1}, false, ContextMemory::kStatic, 1); }).join();
    check(roundTrip(*rt, 2, {2, 3, 16, 16}, 1), "an engine on device 1 runs");
    cudaSetDevice(0);
    const int before = fake.wrongDevice();
    rt.reset();
    int current = -1;
    cudaGetDevice(&current);
    check(fake.wrongDevice() == before,
          "its contexts, engines and runtime are released on device 1 (" + std::to_string(fake.wrongDevice() - before) + " elsewhere)");
    check(current == 0, "and the releasing thread is back on its own device");
  }

  try {
    // A build, end to end on the stand-in: the parser's network, the profile trtjs gives, a plan the runtime loads.
    const auto onnx = tinyOnnx();
    BuildParams params;
    params.cancel = std::make_shared<std::atomic<bool>>(false);
    params.profiles = {{{"x", {1, 2}, {1, 8}, {1, 16}}}};
    std::vector<std::string> phases;
    auto result = trtjs::TRTJS_TRT_NS::buildEngine(onnx.data(), onnx.size(), params, [&](const std::string& p, int, int) { phases.push_back(p); });
    const std::string text(result.plan.begin(), result.plan.end());
    check(text.find("profile 0 x 1,2 1,8 1,16") != std::string::npos && text.find("note setDimensions 0 x MAX 1,16") != std::string::npos,
          "the build sets the profile trtjs gives");
    bool threadWarning = false;
    for (const std::string& w : result.warnings) threadWarning = threadWarning || w.find("builder thread") != std::string::npos;
    check(threadWarning, "a warning TensorRT logs from its own thread reaches the report");
    auto made = load(result.plan, {0});
    float* in = floats(*made, 0, 0);
    for (int i = 0; i < 5; ++i) in[i] = static_cast<float>(i) * 2.5f;
    check(made->run(0, {{1, 5}}) == std::vector<std::vector<int64_t>>{{1, 5}} && floats(*made, 0, 1)[4] == 10.f, "the built plan loads and runs");
    if (NV_TENSORRT_MAJOR >= 10) {
      bool top = false;
      for (const std::string& p : phases) top = top || p == "Building engine";
      check(top, "progress reports TensorRT's top-level phases");
    }

    // Cancelled 300 ms into a 4 s build whose steps are nested in "Building engine" (a top-level step every 2 s): the
    // flag is read at every step.
    setenv("FAKE_TRT_BUILD_STEPS", "2", 1);
    setenv("FAKE_TRT_TACTIC_STEPS", "40", 1);
    setenv("FAKE_TRT_STEP_MS", "50", 1);
    BuildParams slow = params;
    slow.cancel = std::make_shared<std::atomic<bool>>(false);
    std::thread canceller([flag = slow.cancel] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      flag->store(true);
    });
    const auto start = std::chrono::steady_clock::now();
    const int stopped = fake.stoppedBuilds();
    expectError(
        "ERR_ABORTED", "build cancelled", [&] { trtjs::TRTJS_TRT_NS::buildEngine(onnx.data(), onnx.size(), slow, [](const std::string&, int, int) {}); },
        "a cancelled build is ERR_ABORTED");
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() - 300;
    canceller.join();
    if (NV_TENSORRT_MAJOR >= 10) {
      check(ms < 1000 && fake.stoppedBuilds() == stopped + 1,
            "TensorRT 10+: within a second of the cancel, in a nested phase (" + std::to_string(static_cast<int>(ms)) + " ms after it)");
    } else {
      check(ms >= 3600, "before TensorRT 10 (no progress monitor): once the build ends (" + std::to_string(static_cast<int>(ms)) + " ms after the cancel)");
    }
    unsetenv("FAKE_TRT_BUILD_STEPS");
    unsetenv("FAKE_TRT_TACTIC_STEPS");
    unsetenv("FAKE_TRT_STEP_MS");

    // A static network: no profile (trtjs gives none), as trtexec builds it.
    BuildParams none;
    none.cancel = std::make_shared<std::atomic<bool>>(false);
    expectError(
        "ERR_BUILD", "no optimization profile has been defined",
        [&] { trtjs::TRTJS_TRT_NS::buildEngine(onnx.data(), onnx.size(), none, [](const std::string&, int, int) {}); },
        "a dynamic network without a profile is TensorRT's error, reported");
    const std::string bad = "not onnx";
    expectError(
        "ERR_BUILD", "node -1",
        [&] { trtjs::TRTJS_TRT_NS::buildEngine(reinterpret_cast<const uint8_t*>(bad.data()), bad.size(), params, [](const std::string&, int, int) {}); },
        "parser errors are reported with their node");
  } catch (const CodedError& e) {
    check(false, std::string("the build checks ran without an unexpected error (") + e.code + ": " + e.what() + ")");
  }

  try {
    // Image in, detections out (the kernels' host emulation, fake_kernels.cpp) on a head with fixed answers: [1, 6, 4]
    // channels first (cx, cy, w, h, two class scores; 4 anchors) for a 32x32 input; copied and mapped staging.
    const std::string head = "ftrt-fake\nin images 0 1,3,32,32\nconst output0 0 1,6,4 16,8,24,16,16,8,8,24,10,4,4,6,10,4,4,6,0.9,0.1,0.1,0.1,0.1,0.8,0.1,0.1\n";
    for (bool mapped : {false, true}) {
      const std::string how = mapped ? " (mapped)" : "";
      auto rt = load(plan(head), {0, 0}, mapped);
      ImageInRequest r;
      r.width = 64;
      r.height = 64;
      r.channels = 3;
      r.stride = 64 * 3;
      r.order = trtjs::cpu::PixelOrder::RGB;
      r.geometry = {32, 32, 32, 32, 0, 0};
      r.padValue = 114;
      r.output = 1;
      r.decode.format = trtjs::cpu::HeadFormat::AnchorFree;
      r.decode.channelsFirst = true;
      r.decode.rows = 6;
      r.decode.cols = 4;
      r.decode.nc = 2;
      r.decode.conf = 0.25f;
      r.decode.iou = 0.7;
      r.decode.maxDet = 300;
      r.decode.maxNms = 30000;
      expectError(
          "ERR_BAD_INPUT", "not enabled", [&] { rt->detect(0, r); }, "image in needs enableImageIn" + how);
      rt->enableImageIn(64 * 64 * 3);
      expectError(
          "ERR_NATIVE", "enabled on this engine already", [&] { rt->enableImageIn(16); }, "image in is enabled once" + how);
      for (size_t c = 0; c < 2; ++c) std::memset(rt->frameStaging(c).host, 90, 64 * 64 * 3);
      for (size_t c = 0; c < 2; ++c) {
        const auto res = rt->detect(c, r);
        const auto& d = res.detections;
        check(d.scores.size() == 2 && d.scores[0] == 0.9f && d.scores[1] == 0.8f && d.classes[0] == 0 && d.classes[1] == 1 && d.boxes[0] == 11 &&
                  d.boxes[3] == 21 && res.graph == GraphResult::kPlain,
              "context " + std::to_string(c) + ": the head's detections, in order" + how);
      }
      r.graph = GraphMode::kRequired;
      expectError(
          "ERR_ENGINE_INCOMPATIBLE", "cannot be captured into a CUDA graph", [&] { rt->detect(0, r); },
          "a required graph on an engine whose enqueueV3 synchronizes is refused" + how);
      r.graph = GraphMode::kAuto;
      check(rt->detect(0, r).detections.scores.size() == 2 && rt->detect(0, r).graph == GraphResult::kPlain,
            "graphs where they work: the plain path here" + how);
      r.graph = GraphMode::kOff;
      ImageInRequest tall = r;
      tall.height = 65;
      expectError(
          "ERR_BAD_INPUT", "larger than the frame staging", [&] { rt->detect(1, tall); }, "a frame larger than the staging" + how);
      ImageInRequest wide = r;
      wide.geometry = {64, 64, 64, 64, 0, 0};
      expectError(
          "ERR_SHAPE", "[1, 3, 64, 64]", [&] { rt->detect(1, wide); }, "a size the engine does not take" + how);
      ImageInRequest narrow = r;
      narrow.decode.rows = 5;
      expectError(
          "ERR_SHAPE", "not the [1, 5, 4]", [&] { rt->detect(1, narrow); }, "a head that is not what the options say" + how);
      setenv("FAKE_CUDA_KERNEL_ERROR", "letterbox", 1);
      expectError(
          "ERR_CUDA", "letterbox kernel: cudaErrorIllegalAddress", [&] { rt->detect(1, r); }, "a failing kernel is ERR_CUDA naming it" + how);
      unsetenv("FAKE_CUDA_KERNEL_ERROR");
      check(rt->detect(1, r).detections.scores.size() == 2 && rt->detect(0, r).detections.scores.size() == 2, "and the contexts serve again" + how);
    }
  } catch (const CodedError& e) {
    check(false, std::string("the image-in checks ran without an unexpected error (") + e.code + ": " + e.what() + ")");
  }
  long graphsAlive = 0, graphLaunches = 0;
  fakeCudaGraphs(&graphsAlive, &graphLaunches);
  check(graphsAlive == 0, "every CUDA graph is destroyed");

  long hostNotPortable = 0, nullStreamCalls = 0;
  fakeCudaUsage(&hostNotPortable, &nullStreamCalls);
  check(hostNotPortable == 0, "every pinned staging block is portable (" + std::to_string(hostNotPortable) + " were not)");
  check(nullStreamCalls == 0 && fake.nullStreams() == 0, "nothing ran on the null stream");

  long device, host, streams;
  fakeCudaCounters(&device, &host, &streams);
  check(device == 0 && streams == 0, "every device buffer and stream is released, failed loads included");
  check(trtjs::cuda::pinnedBytesInUse() == 0, "every pinned staging block is released");
  check(fake.alive() == 0, "every engine is released");
  std::printf("%s: %d failed\n", failures ? "FAILED" : "passed", failures);
  return failures ? 1 : 0;
}
