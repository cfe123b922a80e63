#!/usr/bin/env python3
"""Reference hashes for trtjs' classification pre-processing: Ultralytics' classify_transforms
(ultralytics/data/augment.py) as ClassificationPredictor runs it: cv2.imread -> BGR->RGB -> PIL.Image.fromarray ->
torchvision Resize(size) (shorter side, PIL BILINEAR) -> CenterCrop(size) -> ToTensor (-> half() for FP16 models).
Normalize with Ultralytics' default mean 0 / std 1 is the identity and is left out. Prints JSON with SHA-256 digests
only (no pixel data).

    /usr/bin/python3 test/reference/classify_pillow.py ../shared/fixtures > test/reference/classify_pillow.json
"""
import hashlib
import json
import sys

import cv2
import numpy as np
import PIL
import torch
import torchvision
import torchvision.transforms as T

CASES = [
    {"size": 224},
    {"size": 224, "dtype": "uint8"},
    {"size": 224, "dtype": "float16"},
    {"size": 224, "layout": "nhwc", "dtype": "uint8"},
    {"size": 160},
    {"size": 97, "dtype": "uint8"},
    {"size": 320, "dtype": "uint8"},
    {"size": 640, "dtype": "uint8"},
    {"size": 1000, "dtype": "uint8"},
]


def digest(t):
    return hashlib.sha256(np.ascontiguousarray(t).tobytes()).hexdigest()


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "../shared/fixtures"
    out = {"pillow": PIL.__version__, "torchvision": torchvision.__version__, "cases": []}
    for name in ("bus.jpg", "zidane.jpg"):
        bgr = cv2.imread(f"{root}/images/{name}")
        im = PIL.Image.fromarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        for opts in CASES:
            size = opts["size"]
            resized = T.Resize(size, interpolation=T.InterpolationMode.BILINEAR)(im)
            crop = T.CenterCrop(size)(resized)
            dtype, layout = opts.get("dtype", "float32"), opts.get("layout", "nchw")
            if dtype == "uint8":
                t = np.asarray(crop)  # HWC
                if layout == "nchw":
                    t = t.transpose(2, 0, 1)
            else:
                x = T.ToTensor()(crop)  # CHW float32, /255
                if dtype == "float16":
                    x = x.half()
                if layout == "nhwc":
                    x = x.permute(1, 2, 0)
                t = x.contiguous().numpy()
            out["cases"].append({"image": name, "options": opts, "resized": list(resized.size), "sha256": digest(t)})
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
