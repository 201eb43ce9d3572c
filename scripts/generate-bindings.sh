#!/usr/bin/env bash
# Builds the library and generates its Kotlin and Swift bindings (UniFFI library
# mode; names from uniffi.toml).
#   scripts/generate-bindings.sh                     release build, into bindings/{kotlin,swift}/generated
#   scripts/generate-bindings.sh --profile debug --out DIR   what the binding tests use
#   ... --features ffi-bench --target-dir target/ffi-bench   what the FFI benchmarks use
#   ... --prebuilt                                   the library is there already (built by
#                                                    the tests' own build): generate only
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release
out=""
features=""
target_dir=target
prebuilt=""
while [ $# -gt 0 ]; do
    case "$1" in
        --profile) profile="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --features) features="$2"; shift 2 ;;
        --target-dir) target_dir="$2"; shift 2 ;;
        --prebuilt) prebuilt=1; shift ;;
        *) echo "usage: $0 [--profile debug|release] [--out DIR] [--features LIST] [--target-dir DIR] [--prebuilt]" >&2; exit 2 ;;
    esac
done
case "$profile" in
    release) flag=(--release) ;;
    debug) flag=() ;;
    *) echo "--profile must be debug or release" >&2; exit 2 ;;
esac
[ -z "$features" ] || flag+=(--features "$features")
# UniFFI reads its metadata from the library's symbols, which the release
# profile strips: build unstripped here (strip the shipped copy afterwards).
[ -n "$prebuilt" ] || CARGO_PROFILE_RELEASE_STRIP=false cargo build "${flag[@]}" --target-dir "$target_dir" --lib >&2
# The generator only reads the library's metadata: a debug build of it serves.
cargo build -p uniffi-bindgen >&2
lib="$target_dir/$profile/libminiapp_auth.so"
[ -f "$lib" ] || lib="$target_dir/$profile/libminiapp_auth.dylib"
for language in kotlin swift; do
    dir="${out:-bindings/$language/generated}"
    [ -n "$out" ] && dir="$out/$language"
    rm -rf "$dir"
    target/debug/uniffi-bindgen generate "$lib" --no-format --language "$language" --out-dir "$dir" >&2
    echo "$language: $dir"
done
