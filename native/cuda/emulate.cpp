// The CUDA kernels' bodies run on the host, block by block, each block's threads one after another (HostBlock):
// the same functions the .cu files launch, so the CPU tests of these functions test the device's arithmetic and
// control flow. Slow by design (one thread at a time); for tests only.
#include <cstring>
#include <memory>
#include <utility>

#include "cuda/emulate.h"

namespace trtjs::cuda {

void emulateLetterbox(const LetterboxLaunch& L) {
  HostBlock blk{kLetterboxThreads};
  LetterboxShared s{};
  const int tilesX = (L.outW + kLetterboxTileW - 1) / kLetterboxTileW, tilesY = (L.outH + kLetterboxTileH - 1) / kLetterboxTileH;
  for (int b = 0; b < L.batch; ++b)
    for (int ty = 0; ty < tilesY; ++ty)
      for (int tx = 0; tx < tilesX; ++tx) letterboxTile(blk, L, s, tx, ty, b);
}

void emulateDecode(const DecodeLaunch& L, uint32_t shuffleSeed) {
  HostBlock blk{kDecodeThreads};
  if (L.format == cpu::HeadFormat::EndToEnd) {
    auto s = std::make_unique<EndToEndShared>();
    for (int b = 0; b < L.batch; ++b) endToEndItem(blk, L, *s, b);
    return;
  }
  std::memset(L.counts, 0, sizeof(int32_t) * static_cast<size_t>(L.batch));
  // The candidates kernel: one thread per anchor (its blocks need no shared state).
  for (int b = 0; b < L.batch; ++b) {
    uint64_t* keys = L.keys + static_cast<int64_t>(b) * L.capacity;
    for (int a = 0; a < L.anchors; ++a) anchorCandidates(L, b, a, [&](uint64_t key) { keys[hd::fetchAdd(&L.counts[b], 1)] = key; });
    if (shuffleSeed != 0) {
      uint64_t state = shuffleSeed + 0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(b + 1);
      for (int i = L.counts[b] - 1; i > 0; --i) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        std::swap(keys[i], keys[static_cast<int>((state >> 33) % static_cast<uint64_t>(i + 1))]);
      }
    }
  }
  auto s = std::make_unique<NmsShared>();
  for (int b = 0; b < L.batch; ++b) nmsItem(blk, L, *s, b);
}

}  // namespace trtjs::cuda
