#!/usr/bin/env bash
# Builds the release library and generates the Kotlin and Swift bindings from it
# (UniFFI library mode, names from uniffi.toml) into bindings/kotlin and bindings/swift.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --lib
cargo build --release -p uniffi-bindgen
lib=target/release/libminiapp_auth.so
[ -f "$lib" ] || lib=target/release/libminiapp_auth.dylib
for language in kotlin swift; do
    rm -rf "bindings/$language/generated"
    target/release/uniffi-bindgen generate "$lib" --no-format \
        --language "$language" --out-dir "bindings/$language/generated"
done
echo "generated:"
find bindings/kotlin/generated bindings/swift/generated -type f | sort
