// trtjs's TensorRT runtime (native/trt/runtime.cpp with the real loader, logger and pinned memory) run against the
// stand-in libnvinfer and CUDA runtime in test/native/fake-tensorrt, on the CPU, under ASan/UBSan, once per
// TensorRT header set (scripts/check-trt-runtime.sh). It checks what the runtime decides: contexts per profile,
// engine copies before TensorRT 10 only, staging sizes, shape checks before enqueue, errors with TensorRT's own
// messages, concurrent contexts, and that everything allocated is given back. TensorRT's own behaviour is not
// under test here; the trt tier covers that where TensorRT exists.
#include <dlfcn.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "common/coded_error.h"
#include "cuda/pinned.h"
#include "trt/loader.h"
#include "trt/runtime.h"

extern "C" void fakeCudaCounters(long* device, long* host, long* streams);
extern "C" long fakeCudaEvents();

using trtjs::CodedError;
using trtjs::TRTJS_TRT_NS::EngineRuntime;
using trtjs::trt::RunOptions;
using trtjs::trt::RunTiming;

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
  int alive() const { int a, m, e; counters(&a, &m, &e); return a; }
  int made() const { int a, m, e; counters(&a, &m, &e); return m; }
  int enqueued() const { int a, m, e; counters(&a, &m, &e); return e; }
};

std::vector<uint8_t> plan(const std::string& text) { return {text.begin(), text.end()}; }

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
  check(fake.counters != nullptr, "the stand-in's counters are reachable");
  if (!fake.counters) return 1;
  const bool before10 = NV_TENSORRT_MAJOR < 10;

  {
    const auto bytes = plan(kDynamic);
    EngineRuntime rt(bytes.data(), bytes.size(), 0, 2, false);
    check(rt.contextCount() == 4, "two contexts per profile, two profiles: four contexts");
    check(rt.describe().profiles.size() == 2 && rt.describe().profiles[1][0].max == std::vector<int64_t>{4, 3, 32, 32}, "profiles described");
    // Profile-major layout; staging sized for each context's own profile maximum.
    check(rt.staging(0, 0).bytes == 1 * 3 * 16 * 16 * 4 && rt.staging(1, 0).bytes == 1 * 3 * 16 * 16 * 4, "contexts 0 and 1 serve profile 0");
    check(rt.staging(2, 0).bytes == 4 * 3 * 32 * 32 * 4 && rt.staging(3, 1).bytes == 4 * 3 * 32 * 32 * 4, "contexts 2 and 3 serve profile 1");
    check(fake.alive() == (before10 ? 2 : 1), before10 ? "TensorRT 8.6: a second engine copy for the second context per profile"
                                                       : "TensorRT 10+: all contexts share one engine");
    check(roundTrip(rt, 0, {1, 3, 8, 8}, 1) && roundTrip(rt, 1, {1, 3, 16, 16}, 2), "profile 0 contexts run their shapes");
    check(roundTrip(rt, 2, {4, 3, 32, 32}, 3) && roundTrip(rt, 3, {2, 3, 20, 24}, 4), "profile 1 contexts run theirs, up to the maximum");
    expectError("ERR_SHAPE", "outside this context's optimization profile", [&] { rt.run(0, {{2, 3, 16, 16}}); }, "a batch beyond the profile is refused before TensorRT");
    expectError("ERR_SHAPE", "fake TensorRT: shape outside profile", [&] { rt.run(2, {{1, 3, 8, 8}}); }, "TensorRT's refusal carries its message");
    expectError("ERR_SHAPE", "[1, 3, 0, 8]", [&] { rt.run(0, {{1, 3, 0, 8}}); }, "a zero dimension is refused");
    expectError("ERR_SHAPE", "outside this context", [&] { rt.run(0, {{1, 3, 8}}); }, "a wrong rank is refused");
    expectError("ERR_BAD_INPUT", "no shape for input 'images'", [&] { rt.run(0, {}); }, "a missing shape is refused");
    expectError("ERR_BAD_INPUT", "more shapes than the engine has inputs", [&] { rt.run(0, {{1, 3, 8, 8}, {1}}); }, "extra shapes are refused");
    expectError("ERR_BAD_INPUT", "no execution context 4", [&] { rt.run(4, {{1, 3, 8, 8}}); }, "an unknown context is refused");
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
    EngineRuntime rt(bytes.data(), bytes.size(), 0, 1, false);
    setenv("FAKE_TRT_ENQUEUE_MS", "200", 1);
    std::thread first([&] { roundTrip(rt, 0, {1, 3, 8, 8}, 1); });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    expectError("ERR_NATIVE", "already running a request", [&] { rt.run(0, {{1, 3, 8, 8}}); }, "a busy context refuses a second request");
    first.join();
    unsetenv("FAKE_TRT_ENQUEUE_MS");
    check(roundTrip(rt, 0, {1, 3, 8, 8}, 9), "and takes the next one once free");
  }

  {
    // An output that is largest at the smallest input: caught before TensorRT writes past its buffer.
    const auto bytes = plan("ftrt-fake\nin x 0 1,-1\nout y 0 1,-1 x inverse\nprofile 0 x 1,2 1,8 1,8\n");
    EngineRuntime rt(bytes.data(), bytes.size(), 0, 1, false);
    const int before = fake.enqueued();
    expectError("ERR_SHAPE", "output 'y' would have shape [1, 8]", [&] { rt.run(0, {{1, 2}}); }, "an output beyond its buffer is refused before enqueue");
    check(fake.enqueued() == before, "nothing was enqueued");
    check(rt.run(0, {{1, 8}}) == std::vector<std::vector<int64_t>>{{1, 2}}, "the same engine runs shapes whose outputs fit");
  }

  {
    // Static shapes: no profile selection, any number of contexts on one engine.
    const auto bytes = plan("ftrt-fake\nin images 1 1,3,4,4\nout output0 1 1,3,4,4 images\n");
    const int made = fake.made();
    EngineRuntime rt(bytes.data(), bytes.size(), 0, 3, false);
    check(rt.contextCount() == 3 && fake.made() == made + 1, "a static engine: three contexts, one engine, every version");
    check(rt.describe().profiles.size() == 1 && rt.describe().profiles[0].empty(), "static inputs have no profile range");
    check(rt.staging(2, 0).bytes == 1 * 3 * 4 * 4 * 2, "float16 staging sized from the static shape");
    uint16_t* in = static_cast<uint16_t*>(rt.staging(2, 0).host);
    for (int i = 0; i < 48; ++i) in[i] = static_cast<uint16_t>(0x3c00 + i);
    check(rt.run(2, {{1, 3, 4, 4}}) == std::vector<std::vector<int64_t>>{{1, 3, 4, 4}} &&
              std::memcmp(rt.staging(2, 1).host, in, 96) == 0,
          "a static engine runs and copies its float16 output back");
  }

  {
    // Mapped staging (integrated GPUs): TensorRT reads and writes the pinned memory itself.
    long device0, host0, streams0;
    fakeCudaCounters(&device0, &host0, &streams0);
    const auto bytes = plan(kDynamic);
    EngineRuntime rt(bytes.data(), bytes.size(), 0, 1, true);
    long device1, host1, streams1;
    fakeCudaCounters(&device1, &host1, &streams1);
    check(device1 == device0, "mapped: no device buffers");
    check(roundTrip(rt, 1, {3, 3, 24, 24}, 7), "mapped: requests run in place");
  }

  {
    // Timed runs (trtjs bench): events around the copies and the enqueue, the host clock around enqueueV3 alone.
    const auto bytes = plan(kDynamic);
    EngineRuntime rt(bytes.data(), bytes.size(), 0, 1, false);
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
    expectError("ERR_BAD_INPUT", "somewhere to put its timings", [&] { rt.run(0, {{1, 3, 8, 8}}, timed, nullptr); }, "a timed run without a timing record is refused");
  }
  check(fakeCudaEvents() == 0, "every event is released with its context");

  {
    // Mapped staging has no copies to time.
    const auto bytes = plan(kDynamic);
    EngineRuntime rt(bytes.data(), bytes.size(), 0, 1, true);
    RunOptions timed;
    timed.timing = true;
    RunTiming t;
    check(roundTrip(rt, 0, {1, 3, 8, 8}, 3), "mapped: untimed run");
    rt.run(0, {{1, 3, 8, 8}}, timed, &t);
    check(t.h2dMs < 1.f && t.d2hMs < 1.f, "mapped and timed: no transfer time");
  }

  expectError("ERR_ENGINE_INCOMPATIBLE", "fake TensorRT: the plan is not a fake plan",
              [&] { const auto b = plan("ftrt-garbage"); EngineRuntime rt(b.data(), b.size(), 0, 1, false); },
              "a plan TensorRT refuses is ERR_ENGINE_INCOMPATIBLE with TensorRT's own error");
  expectError("ERR_CUDA", "cudaSetDevice(1)",
              [&] { const auto b = plan(kDynamic); EngineRuntime rt(b.data(), b.size(), 1, 1, false); }, "a device that does not exist is ERR_CUDA");
  expectError("ERR_ENGINE_INCOMPATIBLE", "data type trtjs does not exchange",
              [&] { const auto b = plan("ftrt-fake\nin x 9 1,4\nout y 9 1,4 x\n"); EngineRuntime rt(b.data(), b.size(), 0, 1, false); },
              "an INT4 tensor is refused at load");
  expectError("ERR_SHAPE", "cannot set the maximum shape",
              [&] { const auto b = plan("ftrt-fake\nin x 0 1,-1\nout y 0 1,-1 x\nprofile 0 x 1,2 1,8 1,8\nprofile 1 x 1,2 1,8 2,9\n");
                    EngineRuntime rt(b.data(), b.size(), 0, 2, false); },
              "a load that fails halfway (a bad profile) reports it");

  long device, host, streams;
  fakeCudaCounters(&device, &host, &streams);
  check(device == 0 && streams == 0, "every device buffer and stream is released, failed loads included");
  check(trtjs::cuda::pinnedBytesInUse() == 0, "every pinned staging block is released");
  check(fake.alive() == 0, "every engine is released");
  std::printf("%s: %d failed\n", failures ? "FAILED" : "passed", failures);
  return failures ? 1 : 0;
}
