#!/bin/sh
# Fetches Debian's OpenBLAS (libopenblas0-pthread) and unpacks it under .cache/openblas, WITHOUT
# installing it: the runner points the torch-openblas children's LD_LIBRARY_PATH at its
# libblas.so.3, so the system's BLAS alternative (and every other program) stays as it is.
set -eu
cd "$(dirname "$0")/.."
mkdir -p .cache/openblas
cd .cache/openblas
apt-get download libopenblas0-pthread
dpkg-deb -x libopenblas0-pthread_*.deb .
ls usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3
