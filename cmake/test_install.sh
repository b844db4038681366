#!/bin/sh
# CTest driver of the install tests (see install.cmake).
#   test_install.sh MODE BUILD_DIR SOURCE_DIR CMAKE CXX GENERATOR
# MODE find_package: installs BUILD_DIR into a temporary prefix, configures
#   examples/ as a stand-alone project with find_package(gloompi), builds it.
# MODE pkg-config: same install, then compiles the example with the flags
#   `pkg-config --cflags --libs gloompi` gives.
# Either way the resulting program then runs as 2 ranks and must pass its
# own checks; the headers of tests/ folders must not be installed.
set -eu
mode=$1 build=$2 src=$3 cmake=$4 cxx=$5 generator=$6
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gloompi-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"

"$cmake" --install "$build" --prefix "$prefix" > "$tmp/install.log"
test -f "$prefix/include/gloompi/gloo/collectives.h"
test -f "$prefix/include/gloompi/common/error.h"
if find "$prefix/include" -path '*/tests/*' | grep -q .; then
  echo "test headers were installed:" >&2
  find "$prefix/include" -path '*/tests/*' >&2
  exit 1
fi

case "$mode" in
  find_package)
    "$cmake" -S "$src/examples" -B "$tmp/build" -G "$generator" \
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$cxx" \
      -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF > "$tmp/configure.log" ||
      { cat "$tmp/configure.log" >&2; exit 1; }
    "$cmake" --build "$tmp/build"
    exe="$tmp/build/allreduce_example"
    ;;
  pkg-config)
    pc=$(find "$prefix" -name gloompi.pc)
    test -n "$pc"
    PKG_CONFIG_PATH=$(dirname "$pc")
    export PKG_CONFIG_PATH
    flags=$(pkg-config --cflags --libs gloompi)
    echo "pkg-config --cflags --libs gloompi: $flags"
    # shellcheck disable=SC2086
    "$cxx" -std=c++20 -O1 "$src/examples/allreduce_example.cc" $flags -o "$tmp/allreduce_example"
    exe="$tmp/allreduce_example"
    ;;
  *)
    echo "unknown mode $mode" >&2
    exit 2
    ;;
esac

sh "$src/examples/run_ranks.sh" 2 "$exe"
