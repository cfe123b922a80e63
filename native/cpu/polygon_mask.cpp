// OpenCV 4.6 imgproc/src/drawing.cpp for fillPoly with LINE_8 and shift 0: CollectPolyEdges (each edge also drawn
// by Line, i.e. LineIterator's Bresenham after clipLine, and turned into a 16.16 fixed-point edge) and
// FillEdgeCollection (active edges at each row, paired in x order, spans [ceil(x1), floor(x2)] filled). Checked
// pixel for pixel against Debian 12's OpenCV 4.6 on random polygons, vertices outside the image included; later
// OpenCV releases refined how edges crossing the image border are clipped, which can move single edge pixels.
#include "cpu/polygon_mask.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "cpu/resize_linear.h"

namespace trtjs::cpu {

namespace {

constexpr int kXyShift = 16;
constexpr int64_t kXyOne = int64_t{1} << kXyShift;
// FillEdgeCollection rounds a span's left end up and its right end down (OpenCV 4.6 for LINE_8).
constexpr int64_t kFillDelta = kXyOne - 1;

struct P {
  int64_t x, y;
};

// cv::clipLine(Size2l, Point2l&, Point2l&).
bool clipLine(int64_t width, int64_t height, P& p1, P& p2) {
  const int64_t right = width - 1, bottom = height - 1;
  if (width <= 0 || height <= 0) return false;
  int64_t &x1 = p1.x, &y1 = p1.y, &x2 = p2.x, &y2 = p2.y;
  int c1 = (x1 < 0) + (x1 > right) * 2 + (y1 < 0) * 4 + (y1 > bottom) * 8;
  int c2 = (x2 < 0) + (x2 > right) * 2 + (y2 < 0) * 4 + (y2 > bottom) * 8;
  if ((c1 & c2) == 0 && (c1 | c2) != 0) {
    int64_t a;
    if (c1 & 12) {
      a = c1 < 8 ? 0 : bottom;
      x1 += static_cast<int64_t>(static_cast<double>(a - y1) * (x2 - x1) / (y2 - y1));
      y1 = a;
      c1 = (x1 < 0) + (x1 > right) * 2;
    }
    if (c2 & 12) {
      a = c2 < 8 ? 0 : bottom;
      x2 += static_cast<int64_t>(static_cast<double>(a - y2) * (x2 - x1) / (y2 - y1));
      y2 = a;
      c2 = (x2 < 0) + (x2 > right) * 2;
    }
    if ((c1 & c2) == 0 && (c1 | c2) != 0) {
      if (c1) {
        a = c1 == 1 ? 0 : right;
        y1 += static_cast<int64_t>(static_cast<double>(a - x1) * (y2 - y1) / (x2 - x1));
        x1 = a;
        c1 = 0;
      }
      if (c2) {
        a = c2 == 1 ? 0 : right;
        y2 += static_cast<int64_t>(static_cast<double>(a - x2) * (y2 - y1) / (x2 - x1));
        x2 = a;
        c2 = 0;
      }
    }
  }
  return (c1 | c2) == 0;
}

// cv::Line with LINE_8: LineIterator(img, p1, p2, 8, leftToRight=true) over the clipped segment.
void drawLine(uint8_t* img, int width, int height, P p1, P p2) {
  if (static_cast<uint64_t>(p1.x) >= static_cast<uint64_t>(width) || static_cast<uint64_t>(p2.x) >= static_cast<uint64_t>(width) ||
      static_cast<uint64_t>(p1.y) >= static_cast<uint64_t>(height) || static_cast<uint64_t>(p2.y) >= static_cast<uint64_t>(height)) {
    if (!clipLine(width, height, p1, p2)) return;
  }
  int64_t dx = p2.x - p1.x, dy = p2.y - p1.y;
  if (dx < 0) {  // left to right: start from the left end, the slope's sign follows
    dx = -dx;
    dy = -dy;
    p1 = p2;
  }
  int64_t x = p1.x, y = p1.y;
  const int64_t ystep = dy < 0 ? -1 : 1;
  dy = dy < 0 ? -dy : dy;
  const bool steep = dy > dx;
  const int64_t major = steep ? dy : dx, minor = steep ? dx : dy;
  int64_t err = major - (minor + minor);
  const int64_t plusDelta = major + major, minusDelta = -(minor + minor);
  for (int64_t i = 0; i <= major; ++i) {
    img[static_cast<size_t>(y) * width + static_cast<size_t>(x)] = 1;
    const bool both = err < 0;
    err += minusDelta + (both ? plusDelta : 0);
    // minusStep is the major-axis step, plusStep the minor one.
    if (steep) {
      y += ystep;
      if (both) x += 1;
    } else {
      x += 1;
      if (both) y += ystep;
    }
  }
}

struct Edge {
  int y0, y1;
  int64_t x, dx;
};

}  // namespace

void fillPolygon(uint8_t* img, int width, int height, const int32_t* pts, size_t count) {
  if (count == 0 || width <= 0 || height <= 0) return;
  std::vector<Edge> edges;
  edges.reserve(count);
  P pt0{static_cast<int64_t>(pts[(count - 1) * 2]) * kXyOne, pts[(count - 1) * 2 + 1]};
  for (size_t i = 0; i < count; ++i) {
    const P pt1{static_cast<int64_t>(pts[i * 2]) * kXyOne, pts[i * 2 + 1]};
    P t0{(pt0.x + (kXyOne >> 1)) >> kXyShift, pt0.y}, t1{(pt1.x + (kXyOne >> 1)) >> kXyShift, pt1.y};
    drawLine(img, width, height, t0, t1);
    if (pt0.y != pt1.y) {
      Edge e{};
      if (pt0.y < pt1.y) {
        e.y0 = static_cast<int>(pt0.y);
        e.y1 = static_cast<int>(pt1.y);
        e.x = pt0.x;
      } else {
        e.y0 = static_cast<int>(pt1.y);
        e.y1 = static_cast<int>(pt0.y);
        e.x = pt1.x;
      }
      e.dx = (pt1.x - pt0.x) / (pt1.y - pt0.y);
      edges.push_back(e);
    }
    pt0 = pt1;
  }
  // FillEdgeCollection.
  if (edges.size() < 2) return;
  int yMin = INT32_MAX, yMax = INT32_MIN;
  int64_t xMin = INT64_MAX, xMax = INT64_MIN;
  for (const Edge& e : edges) {
    const int64_t x1 = e.x + (e.y1 - e.y0) * e.dx;
    yMin = std::min(yMin, e.y0);
    yMax = std::max(yMax, e.y1);
    xMin = std::min({xMin, e.x, x1});
    xMax = std::max({xMax, e.x, x1});
  }
  if (yMax < 0 || yMin >= height || xMax < 0 || xMin >= (static_cast<int64_t>(width) << kXyShift)) return;
  yMax = std::min(yMax, height);
  std::vector<int64_t> xs;
  // OpenCV steps every edge from its first row, rows above the image included; an edge's x at row y is exactly
  // x + (y - y0) * dx either way, so rows above the image are skipped here.
  for (int y = std::max(yMin, 0); y < yMax; ++y) {
    xs.clear();
    for (const Edge& e : edges)
      if (e.y0 <= y && y < e.y1) xs.push_back(e.x + static_cast<int64_t>(y - e.y0) * e.dx);
    std::sort(xs.begin(), xs.end());
    uint8_t* row = img + static_cast<size_t>(y) * width;
    for (size_t k = 0; k + 1 < xs.size(); k += 2) {
      int64_t x1 = (xs[k] + kFillDelta) >> kXyShift, x2 = xs[k + 1] >> kXyShift;
      if (x1 < width && x2 >= 0) {
        if (x1 < 0) x1 = 0;
        if (x2 >= width) x2 = width - 1;
        if (x1 <= x2) std::memset(row + x1, 1, static_cast<size_t>(x2 - x1 + 1));
      }
    }
  }
}

void polygonMasks(const float* coords, const std::vector<int32_t>& sizes, int width, int height, int downsample, bool overlap, CompactMasks& out,
                  std::vector<int32_t>& order) {
  out.windows.clear();
  out.bits.clear();
  const int nw = width / downsample, nh = height / downsample;
  out.frameW = nw;
  out.frameH = nh;
  const size_t n = sizes.size();
  std::vector<uint8_t> full(static_cast<size_t>(width) * height), small(static_cast<size_t>(nw) * nh);
  std::vector<std::vector<uint8_t>> masks(n);
  std::vector<int64_t> areas(n, 0);
  std::vector<int32_t> ipts;
  size_t offset = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t count = static_cast<size_t>(sizes[i]);
    ipts.resize(count * 2);
    // np.asarray(polygons, dtype=np.int32): truncation toward zero.
    for (size_t k = 0; k < count * 2; ++k) ipts[k] = static_cast<int32_t>(coords[(offset + k)]);
    offset += count * 2;
    std::fill(full.begin(), full.end(), 0);
    fillPolygon(full.data(), width, height, ipts.data(), count);
    if (downsample == 1)
      small = full;
    else
      resizeLinear(full.data(), width, height, static_cast<size_t>(width), 1, small.data(), nw, nh, static_cast<size_t>(nw));
    masks[i] = small;
    for (uint8_t v : small) areas[i] += v;
  }
  order.resize(n);
  std::iota(order.begin(), order.end(), 0);
  if (overlap) {
    // `np.argsort(-areas)` (stable here), then each pixel belongs to the last (smallest) mask covering it.
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return areas[static_cast<size_t>(a)] > areas[static_cast<size_t>(b)]; });
    std::vector<int32_t> owner(static_cast<size_t>(nw) * nh, -1);
    for (size_t r = 0; r < n; ++r) {
      const std::vector<uint8_t>& m = masks[static_cast<size_t>(order[r])];
      for (size_t p = 0; p < m.size(); ++p)
        if (m[p]) owner[p] = static_cast<int32_t>(r);
    }
    for (size_t r = 0; r < n; ++r) {
      std::vector<uint8_t>& m = masks[static_cast<size_t>(order[r])];
      for (size_t p = 0; p < m.size(); ++p) m[p] = owner[p] == static_cast<int32_t>(r) ? 1 : 0;
    }
  }
  for (size_t r = 0; r < n; ++r) {
    const std::vector<uint8_t>& m = masks[static_cast<size_t>(order[r])];
    int top = nh, bottom = -1, left = nw, right = -1;
    for (int y = 0; y < nh; ++y)
      for (int x = 0; x < nw; ++x)
        if (m[static_cast<size_t>(y) * nw + x]) {
          top = std::min(top, y);
          bottom = y;
          left = std::min(left, x);
          right = std::max(right, x);
        }
    if (bottom < 0) {
      out.windows.insert(out.windows.end(), {0, 0, 0, 0});
      continue;
    }
    out.windows.insert(out.windows.end(), {left, top, right - left + 1, bottom - top + 1});
    for (int y = top; y <= bottom; ++y) {
      const uint8_t* row = m.data() + static_cast<size_t>(y) * nw + left;
      out.bits.insert(out.bits.end(), row, row + (right - left + 1));
    }
  }
}

void maskIou(const CompactMasks& a, const CompactMasks& b, float* out) {
  const size_t n1 = a.windows.size() / 4, n2 = b.windows.size() / 4;
  std::vector<size_t> offA(n1 + 1, 0), offB(n2 + 1, 0);
  std::vector<int64_t> areaA(n1, 0), areaB(n2, 0);
  for (size_t i = 0; i < n1; ++i) {
    const size_t bytes = static_cast<size_t>(a.windows[i * 4 + 2]) * static_cast<size_t>(a.windows[i * 4 + 3]);
    offA[i + 1] = offA[i] + bytes;
    for (size_t p = offA[i]; p < offA[i + 1]; ++p) areaA[i] += a.bits[p];
  }
  for (size_t j = 0; j < n2; ++j) {
    const size_t bytes = static_cast<size_t>(b.windows[j * 4 + 2]) * static_cast<size_t>(b.windows[j * 4 + 3]);
    offB[j + 1] = offB[j] + bytes;
    for (size_t p = offB[j]; p < offB[j + 1]; ++p) areaB[j] += b.bits[p];
  }
  for (size_t i = 0; i < n1; ++i) {
    const int32_t* wa = a.windows.data() + i * 4;
    for (size_t j = 0; j < n2; ++j) {
      const int32_t* wb = b.windows.data() + j * 4;
      int64_t inter = 0;
      const int x0 = std::max(wa[0], wb[0]), x1 = std::min(wa[0] + wa[2], wb[0] + wb[2]);
      const int y0 = std::max(wa[1], wb[1]), y1 = std::min(wa[1] + wa[3], wb[1] + wb[3]);
      for (int y = y0; y < y1; ++y) {
        const uint8_t* ra = a.bits.data() + offA[i] + static_cast<size_t>(y - wa[1]) * wa[2] + (x0 - wa[0]);
        const uint8_t* rb = b.bits.data() + offB[j] + static_cast<size_t>(y - wb[1]) * wb[2] + (x0 - wb[0]);
        for (int x = 0; x < x1 - x0; ++x) inter += ra[x] & rb[x];
      }
      // `intersection / (union + eps)` in float32; counts are exact in float below 2^24.
      const float fi = static_cast<float>(inter);
      const float uni = static_cast<float>(areaA[i] + areaB[j]) - fi;
      out[i * n2 + j] = fi / (uni + 1e-7f);
    }
  }
}

}  // namespace trtjs::cpu
