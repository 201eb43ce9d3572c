#!/usr/bin/env bash
# Builds the library and generates its Kotlin and Swift bindings (UniFFI library
# mode; names from uniffi.toml).
#   scripts/generate-bindings.sh                     release build, into bindings/{kotlin,swift}/generated
#   scripts/generate-bindings.sh --profile debug --out DIR   what the binding tests use
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release
out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --profile) profile="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        *) echo "usage: $0 [--profile debug|release] [--out DIR]" >&2; exit 2 ;;
    esac
done
case "$profile" in
    release) flag=(--release) ;;
    debug) flag=() ;;
    *) echo "--profile must be debug or release" >&2; exit 2 ;;
esac
cargo build "${flag[@]}" --lib >&2
cargo build "${flag[@]}" -p uniffi-bindgen >&2
lib="target/$profile/libminiapp_auth.so"
[ -f "$lib" ] || lib="target/$profile/libminiapp_auth.dylib"
for language in kotlin swift; do
    dir="${out:-bindings/$language/generated}"
    [ -n "$out" ] && dir="$out/$language"
    rm -rf "$dir"
    "target/$profile/uniffi-bindgen" generate "$lib" --no-format --language "$language" --out-dir "$dir" >&2
    echo "$language: $dir"
done
