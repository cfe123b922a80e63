#!/usr/bin/env python3
"""Reference results for trtjs' mask geometry against OpenCV (the calls Ultralytics makes):
- cv2.findContours(mask, RETR_EXTERNAL, CHAIN_APPROX_SIMPLE) (ops.masks2segments) on random masks;
- cv2.fillPoly(mask, [int32 polygon], 1) (data/utils.py polygon2mask) on random polygons, vertices outside the
  image included, and cv2.resize(..., INTER_LINEAR) of those masks to a quarter (mask_ratio 4).
Inputs come from a mulberry32 generator that test/unit/task-masks-opencv.test.ts reproduces; polygons and contours
are written out, masks only as SHA-256 digests.

    /usr/bin/python3 test/reference/masks_opencv.py > test/reference/masks_opencv.json
"""
import hashlib
import json
import sys

import cv2
import numpy as np


def mulberry32(seed):
    state = seed & 0xFFFFFFFF

    def next_float():
        nonlocal state
        state = (state + 0x6D2B79F5) & 0xFFFFFFFF
        t = state
        t = ((t ^ (t >> 15)) * (t | 1)) & 0xFFFFFFFF
        t ^= (t + (((t ^ (t >> 7)) * (t | 61)) & 0xFFFFFFFF)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    return next_float


def randint(rnd, lo, hi):  # [lo, hi)
    return lo + int(rnd() * (hi - lo))


def random_mask(rnd):
    w, h = randint(rnd, 1, 48), randint(rnd, 1, 48)
    density = [0.2, 0.5, 0.8][randint(rnd, 0, 3)]
    return np.array([[1 if rnd() < density else 0 for _ in range(w)] for _ in range(h)], np.uint8)


def random_polygon(rnd):
    w, h = randint(rnd, 8, 96), randint(rnd, 8, 96)
    n = randint(rnd, 3, 14)
    margin = randint(rnd, 0, 12)
    pts = [[randint(rnd, -margin, w + margin), randint(rnd, -margin, h + margin)] for _ in range(n)]
    return w, h, pts


def main():
    rnd = mulberry32(20240607)
    out = {"opencv": cv2.__version__, "contours": [], "polygons": []}
    for _ in range(300):
        m = random_mask(rnd)
        c = cv2.findContours(m.copy(), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)[0]
        out["contours"].append([x.reshape(-1).tolist() for x in c])
    for _ in range(300):
        w, h, pts = random_polygon(rnd)
        m = np.zeros((h, w), np.uint8)
        cv2.fillPoly(m, [np.asarray(pts, np.int32).reshape(-1, 2)], color=1)
        small = cv2.resize(m, (w // 4, h // 4)) if w >= 4 and h >= 4 else None
        out["polygons"].append({
            "sha256": hashlib.sha256(m.tobytes()).hexdigest(),
            "quarterSha256": hashlib.sha256(small.tobytes()).hexdigest() if small is not None else None,
            "area": int(m.sum()),
        })
    json.dump(out, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
