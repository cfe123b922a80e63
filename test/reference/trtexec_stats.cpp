// An independent reference for lib/bench/stats.ts, written from trtexec's documented rules (sampleReporting.cpp):
// reads lines "n v1 v2 ... vn" from stdin and prints, per line, "min max mean median p90 p95 p99 cv" where
//   median = middle value, or the mean of the two middle values for an even count;
//   percentile(p) = sorted[max(n - 1 - (int)((1 - p / 100) * n), 0)], in single-precision float as trtexec does;
//   cv = population standard deviation / mean * 100.
// Mean and deviation are accumulated in long double here (trtexec uses float): the test compares them with a
// tolerance, and the ranks exactly.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

static double rankValue(const std::vector<double>& sorted, float p) {
  const int n = static_cast<int>(sorted.size());
  const float fraction = 1 - p / 100;
  const int exclude = static_cast<int>(fraction * static_cast<float>(n));
  return sorted[std::max(n - 1 - exclude, 0)];
}

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    int n = 0;
    in >> n;
    std::vector<double> v(n);
    for (double& x : v) in >> x;
    std::sort(v.begin(), v.end());
    long double sum = 0;
    for (double x : v) sum += x;
    const long double mean = sum / n;
    long double sq = 0;
    for (double x : v) sq += (x - mean) * (x - mean);
    const long double sd = std::sqrt(sq / n);
    const double median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    std::printf("%.17g %.17g %.17Lg %.17g %.17g %.17g %.17g %.17Lg\n", v.front(), v.back(), mean, median, rankValue(v, 90.F), rankValue(v, 95.F),
                rankValue(v, 99.F), mean == 0 ? (long double)NAN : sd / mean * 100);
  }
  return 0;
}
