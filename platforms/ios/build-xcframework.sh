#!/usr/bin/env bash
# Builds MiniAppAuthFFI.xcframework (device + simulator slices of the Rust static
# library, each exporting the UniFFI entry points only — scripts/static-lib-exports.sh —
# with its C header and module map in Headers/MiniAppAuthFFI/, see
# xcframework-headers.sh) and puts the generated Swift bindings in
# Sources/MiniAppAuth/, ready for Package.swift. Needs macOS with Xcode; it
# checks first and says exactly what is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)
missing=()
[ "$(uname -s)" = Darwin ] || missing+=("macOS (this is $(uname -s)): XCFrameworks are made by Xcode's xcodebuild")
command -v xcodebuild >/dev/null || missing+=("Xcode's command-line tools (xcodebuild; xcode-select --install)")
command -v lipo >/dev/null || missing+=("lipo (part of Xcode's command-line tools)")
installed=$(rustup target list --installed 2>/dev/null || true)
for target in "${targets[@]}"; do
    grep -qx "$target" <<<"$installed" || missing+=("the Rust target $target (rustup target add $target)")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "platforms/ios: cannot build the XCFramework; missing:" >&2
    printf '  - %s\n' "${missing[@]}" >&2
    exit 1
fi

cd "$root"
for target in "${targets[@]}"; do
    # The library's features: SQLite bundled, without the CLI's inspector (Cargo.toml).
    cargo build --release --lib --target "$target" --no-default-features --features bundled-sqlite
done
# The Swift bindings and the C header, generated from the host build of the same sources.
scripts/generate-bindings.sh --profile release
gen="$root/bindings/swift/generated"
build="$here/build"
rm -rf "$build" "$here/MiniAppAuthFFI.xcframework"
mkdir -p "$build/sim" "$here/Sources/MiniAppAuthBindings"
# Headers/MiniAppAuthFFI/{MiniAppAuthFFI.h,module.modulemap}: no clash with other
# XCFrameworks' Headers/module.modulemap.
bash "$here/xcframework-headers.sh" "$gen" "$build/headers"
# Each target's archive defines the UniFFI entry points as globals and nothing
# else (no sqlite3_*: the host's own SQLite stays the host's), before lipo.
# scripts/static-lib-exports.sh's Apple branch is not verified yet (written on
# Linux; docs/host-guide.md, "Coexisting with the host's SQLite").
for target in "${targets[@]}"; do
    mkdir -p "$build/$target"
    scripts/static-lib-exports.sh --header "$gen/MiniAppAuthFFI.h" \
        "target/$target/release/libminiapp_auth.a" "$build/$target/libminiapp_auth.a"
done
lipo -create \
    "$build/aarch64-apple-ios-sim/libminiapp_auth.a" \
    "$build/x86_64-apple-ios/libminiapp_auth.a" \
    -output "$build/sim/libminiapp_auth.a"
xcodebuild -create-xcframework \
    -library "$build/aarch64-apple-ios/libminiapp_auth.a" -headers "$build/headers" \
    -library "$build/sim/libminiapp_auth.a" -headers "$build/headers" \
    -output "$here/MiniAppAuthFFI.xcframework"
for slice in "$here"/MiniAppAuthFFI.xcframework/*/; do
    [ -f "$slice/Headers/MiniAppAuthFFI/module.modulemap" ] && [ ! -e "$slice/Headers/module.modulemap" ] \
        || { echo "platforms/ios: $slice does not have the Headers/MiniAppAuthFFI/ layout" >&2; exit 1; }
    scripts/static-lib-exports.sh --header "$gen/MiniAppAuthFFI.h" --check "$slice/libminiapp_auth.a"
done
cp "$gen/MiniAppAuthBindings.swift" "$here/Sources/MiniAppAuthBindings/MiniAppAuthBindings.swift"
echo "platforms/ios: $here/MiniAppAuthFFI.xcframework and Sources/MiniAppAuthBindings/MiniAppAuthBindings.swift are ready"
