#!/usr/bin/env bash
# Lays out CUDA 11.8's compiler, headers and static runtime from Debian's non-free archive in .deps/cuda-11.8
# (git-ignored) as a relocatable toolkit, without installing the packages: nvidia-cuda-dev depends on libcuda1, and a
# driver library on a machine without a GPU would change what trtjs reports there.
#
# Why 11.8: the prebuilds link the CUDA runtime statically, and a static runtime runs on any driver of its major or
# newer (CUDA's minor-version compatibility). CUDA 13's runtime needs an R580+ driver; 11.8's runs from R450 and
# covers sm_75..sm_90 with compute_90 PTX for newer GPUs, so one prebuild serves every driver TensorRT 8.6/10.x/11.x
# runs on. nvcc 11.8 takes GCC 11 at the newest as its host compiler (Debian: g++-11).
#
# Prints the nvcc path on its last line. Idempotent: an existing layout is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=${CUDA_11_8_DIR:-$PWD/.deps/cuda-11.8}
if [[ -x "$dest/bin/nvcc" && -f "$dest/lib64/libcudart_static.a" ]]; then
  echo "$dest/bin/nvcc"
  exit 0
fi
[[ "$(dpkg --print-architecture)" == amd64 ]] || { echo "cuda-11.8.sh: Debian's CUDA 11.8 packages are amd64 only" >&2; exit 1; }

sources=/etc/apt/sources.list.d/trtjs-non-free.sources
candidate=$(apt-cache policy nvidia-cuda-dev 2>/dev/null || true)
if [[ "$candidate" != *'Candidate: 11.8'* ]]; then
  echo "cuda-11.8.sh: enabling Debian's non-free component ($sources)" >&2
  . /etc/os-release
  printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: non-free\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$VERSION_CODENAME" >"$sources"
  apt-get update -qq
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -q nvidia-cuda-toolkit nvidia-cuda-dev libnvvm4 libcudart11.0 >&2) 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true
root=$work/root
mkdir -p "$root"
dpkg-deb -x "$work"/nvidia-cuda-toolkit_*.deb "$root"
dpkg-deb -x "$work"/libnvvm4_*.deb "$root"
dpkg-deb -x "$work"/libcudart11.0_*.deb "$root"
# nvidia-cuda-dev is 0.8 GB of libraries; only the headers and the static runtime are needed.
dpkg-deb --fsys-tarfile "$work"/nvidia-cuda-dev_*.deb |
  tar -x -C "$root" --wildcards './usr/include/*' './usr/lib/x86_64-linux-gnu/libcudart_static.a' './usr/lib/x86_64-linux-gnu/libcudadevrt.a'

rm -rf "$dest.tmp"
mkdir -p "$dest.tmp"/{bin,lib64,nvvm/bin,nvvm/libdevice}
kit=$root/usr/lib/nvidia-cuda-toolkit
cp "$kit/bin/nvcc" "$dest.tmp/bin/"
cp -r "$kit/bin/crt" "$dest.tmp/bin/"
for tool in ptxas fatbinary nvlink cudafe++ bin2c nvprune cuobjdump; do cp "$root/usr/bin/$tool" "$dest.tmp/bin/"; done
cp "$kit/bin/cicc" "$dest.tmp/nvvm/bin/"
cp "$kit/libdevice/libdevice.10.bc" "$dest.tmp/nvvm/libdevice/"
cp -r "$root/usr/include" "$dest.tmp/include"
cp "$root"/usr/lib/x86_64-linux-gnu/libcudart_static.a "$root"/usr/lib/x86_64-linux-gnu/libcudadevrt.a "$dest.tmp/lib64/"
# CMake's FindCUDAToolkit insists on the shared runtime too, although trtjs links the static one.
cp -P "$root"/usr/lib/x86_64-linux-gnu/libcudart.so.* "$dest.tmp/lib64/"
ln -s "$(cd "$dest.tmp/lib64" && ls libcudart.so.11.* | head -1)" "$dest.tmp/lib64/libcudart.so"
# The profile of a standard toolkit, relative to nvcc itself (Debian's points into /usr).
cat >"$dest.tmp/bin/nvcc.profile" <<'EOF'
TOP              = $(_HERE_)/..
NVVMIR_LIBRARY_DIR = $(TOP)/nvvm/libdevice
LD_LIBRARY_PATH += $(TOP)/lib64:
PATH            += $(TOP)/nvvm/bin:$(_HERE_):
INCLUDES        +=  "-I$(TOP)/include" $(_SPACE_)
LIBRARIES        =+ $(_SPACE_) "-L$(TOP)/lib64"
CUDAFE_FLAGS    +=
PTXAS_FLAGS     +=
EOF
rm -rf "$dest"
mv "$dest.tmp" "$dest"
"$dest/bin/nvcc" --version | tail -2 >&2
echo "$dest/bin/nvcc"
