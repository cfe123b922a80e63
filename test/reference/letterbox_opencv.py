#!/usr/bin/env python3
"""Reference hashes for trtjs' letterbox: Ultralytics' LetterBox (ultralytics/data/augment.py) as Ultralytics
runs it in predict (cv2.imread -> LetterBox -> BGR->RGB -> HWC->CHW -> float()/255 or half()), on the fixture
images, for a matrix of options. Prints JSON with SHA-256 digests only (no pixel data).

    python3 test/reference/letterbox_opencv.py ../shared/fixtures > test/reference/letterbox_opencv.json
"""
import hashlib
import json
import sys

import cv2
import numpy as np


def letterbox(img, new_shape=(640, 640), auto=False, scale_fill=False, scaleup=True, center=True, stride=32, pad=114):
    shape = img.shape[:2]
    if isinstance(new_shape, int):
        new_shape = (new_shape, new_shape)
    r = min(new_shape[0] / shape[0], new_shape[1] / shape[1])
    if not scaleup:
        r = min(r, 1.0)
    new_unpad = int(round(shape[1] * r)), int(round(shape[0] * r))
    dw, dh = new_shape[1] - new_unpad[0], new_shape[0] - new_unpad[1]
    if auto:
        dw, dh = np.mod(dw, stride), np.mod(dh, stride)
    elif scale_fill:
        dw, dh = 0.0, 0.0
        new_unpad = (new_shape[1], new_shape[0])
    if center:
        dw /= 2
        dh /= 2
    if shape[::-1] != new_unpad:
        img = cv2.resize(img, new_unpad, interpolation=cv2.INTER_LINEAR)
    top, bottom = int(round(dh - 0.1)) if center else 0, int(round(dh + 0.1))
    left, right = int(round(dw - 0.1)) if center else 0, int(round(dw + 0.1))
    img = cv2.copyMakeBorder(img, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(pad, pad, pad))
    return img, {"resized": list(new_unpad), "pad": [left, top], "output": [img.shape[1], img.shape[0]]}


def tensor(img_bgr, dtype, layout):
    rgb = img_bgr[..., ::-1]
    if layout == "nchw":
        rgb = rgb.transpose(2, 0, 1)
    rgb = np.ascontiguousarray(rgb)
    if dtype == "uint8":
        return rgb
    f = rgb.astype(np.float32) / np.float32(255)  # torch: im.float() / 255
    return f.astype(np.float16) if dtype == "float16" else f


CASES = [
    {},
    {"dtype": "uint8"},
    {"dtype": "float16"},
    {"layout": "nhwc"},
    {"layout": "nhwc", "dtype": "uint8"},
    {"size": 320},
    {"size": 1280},
    {"size": 480, "dtype": "float16", "layout": "nhwc"},
    {"size": [384, 640]},
    {"size": [640, 384], "dtype": "uint8"},
    {"auto": True},
    {"auto": True, "size": 320, "dtype": "uint8"},
    {"auto": True, "stride": 64},
    {"scaleFill": True},
    {"scaleFill": True, "size": [384, 640], "dtype": "uint8"},
    {"scaleUp": False, "size": 1280, "dtype": "uint8"},
    {"scaleUp": False, "size": 320},
    {"center": False},
    {"center": False, "auto": True, "dtype": "uint8"},
    {"padValue": 0, "dtype": "uint8"},
    {"size": 960, "padValue": 255},
    {"size": 1620, "dtype": "uint8"},
]


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "../shared/fixtures"
    out = {"opencv": cv2.__version__, "numpy": np.__version__, "images": {}, "cases": []}
    for name in ("bus.jpg", "zidane.jpg"):
        img = cv2.imread(f"{root}/images/{name}")
        out["images"][name] = {
            "width": img.shape[1],
            "height": img.shape[0],
            "rgbSha256": hashlib.sha256(np.ascontiguousarray(img[..., ::-1]).tobytes()).hexdigest(),
        }
        for opts in CASES:
            size = opts.get("size", 640)
            new_shape = tuple(size) if isinstance(size, list) else size
            boxed, geometry = letterbox(img, new_shape, opts.get("auto", False), opts.get("scaleFill", False),
                                        opts.get("scaleUp", True), opts.get("center", True), opts.get("stride", 32),
                                        opts.get("padValue", 114))
            t = tensor(boxed, opts.get("dtype", "float32"), opts.get("layout", "nchw"))
            out["cases"].append({"image": name, "options": opts, **geometry,
                                 "sha256": hashlib.sha256(t.astype(t.dtype.newbyteorder("<")).tobytes()).hexdigest()})
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
