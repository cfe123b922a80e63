// Follows OpenCV 4.x imgproc/src/contours.cpp (cvFindNextContour for 8-bit images in RETR_EXTERNAL mode, and
// icvFetchContour with CHAIN_APPROX_SIMPLE): the same scan, the same pixel marks (2 for a border pixel, 2|-128 for
// one on a right bound) and the same "last marked pixel on this row" test that leaves out components in holes.
#include "cpu/contours.h"

#include <algorithm>

namespace trtjs::cpu {

namespace {

constexpr int8_t kNbd = 2;
constexpr int8_t kRightBound = static_cast<int8_t>(kNbd | -128);
// Chain codes: 0 right, 1 up-right, 2 up, 3 up-left, 4 left, 5 down-left, 6 down, 7 down-right.
constexpr int kCodeX[8] = {1, 1, 0, -1, -1, -1, 0, 1};
constexpr int kCodeY[8] = {0, -1, -1, -1, 0, 1, 1, 1};

// Traces one outer border starting at `start` (whose left neighbour is 0), marking its pixels, and appends its
// vertices (CHAIN_APPROX_SIMPLE: a point wherever the direction changes).
void fetchContour(int8_t* start, long step, int x, int y, std::vector<int32_t>& pts) {
  long deltas[16];
  for (int s = 0; s < 8; ++s) deltas[s] = deltas[s + 8] = kCodeX[s] + kCodeY[s] * step;
  int8_t* i0 = start;
  int s = 4;
  const int sEnd0 = 4;
  int8_t* i1 = nullptr;
  do {
    s = (s - 1) & 7;
    i1 = i0 + deltas[s];
  } while (*i1 == 0 && s != sEnd0);
  if (s == sEnd0) {  // a single pixel
    *i0 = kRightBound;
    pts.push_back(x);
    pts.push_back(y);
    return;
  }
  int8_t* i3 = i0;
  int8_t* i4 = nullptr;
  int prevS = s ^ 4;
  for (;;) {
    const int sEnd = s;
    s = std::min(s, 15);
    while (s < 15) {
      i4 = i3 + deltas[++s];
      if (*i4 != 0) break;
    }
    s &= 7;
    // "right" bound: the pixel's right neighbour was checked and is 0.
    if (static_cast<unsigned>(s - 1) < static_cast<unsigned>(sEnd)) {
      *i3 = kRightBound;
    } else if (*i3 == 1) {
      *i3 = kNbd;
    }
    if (s != prevS) {
      pts.push_back(x);
      pts.push_back(y);
      prevS = s;
    }
    x += kCodeX[s];
    y += kCodeY[s];
    if (i4 == i0 && i3 == i1) break;
    i3 = i4;
    s = (s + 4) & 7;
  }
}

}  // namespace

void findExternalContours(const uint8_t* mask, int width, int height, size_t stride, int offsetX, int offsetY, Contours& out) {
  out.points.clear();
  out.sizes.clear();
  if (width <= 0 || height <= 0) return;
  // copyMakeBorder(1) + threshold(0, 1): 0/1 values inside a zero frame.
  const long W = width + 2, H = height + 2;
  std::vector<int8_t> img(static_cast<size_t>(W * H), 0);
  for (int y = 0; y < height; ++y) {
    const uint8_t* row = mask + static_cast<size_t>(y) * stride;
    int8_t* dst = img.data() + (y + 1) * W + 1;
    for (int x = 0; x < width; ++x) dst[x] = row[x] ? 1 : 0;
  }
  // Contours in the order found; OpenCV inserts each new top-level contour first, so it returns them reversed.
  std::vector<std::vector<int32_t>> found;
  const long scanW = W - 1, scanH = H - 1;  // the last column and row are never scanned
  for (long y = 1; y < scanH; ++y) {
    int8_t* row = img.data() + y * W;
    long lnbd = 0;  // last pixel on this row marked as a border (x), 0: the frame
    int prev = 0;
    for (long x = 1; x < scanW; ++x) {
      const int p = row[x];
      if (p == prev) continue;
      if (prev == 0 && p == 1) {
        // An outer border starts here; RETR_EXTERNAL follows it unless the last marked pixel to its left belongs to
        // a component's left side (then this one lies in that component's hole).
        if (!(row[lnbd] > 0)) {
          std::vector<int32_t> pts;
          fetchContour(row + x, W, static_cast<int>(x - 1) + offsetX, static_cast<int>(y - 1) + offsetY, pts);
          found.push_back(std::move(pts));
          prev = row[x];  // the scan resumes after the start pixel, now marked
          continue;
        }
      }
      prev = p;
      if (prev & -2) lnbd = x;
    }
  }
  for (auto it = found.rbegin(); it != found.rend(); ++it) {
    out.sizes.push_back(static_cast<int32_t>(it->size() / 2));
    out.points.insert(out.points.end(), it->begin(), it->end());
  }
}

}  // namespace trtjs::cpu
