#!/usr/bin/env bash
# Builds what the Android library module packages: the Rust library for
# arm64-v8a, armeabi-v7a and x86_64 (cargo ndk, 16 KB page alignment) into
# build/rustJniLibs, the Kotlin bindings generated from the same sources into
# ../../bindings/kotlin/generated, and the licence notices of what the library
# bundles into build/rustNotices/META-INF/miniapp-auth/THIRD-PARTY-NOTICES.txt
# (scripts/notices.sh; a Java resource, so the AAR's classes.jar carries it).
# Gradle's buildRust task runs it before preBuild (build.gradle.kts declares
# those three as its outputs); it can also be run by hand. It checks its
# toolchain first and says exactly what is missing; `build-rust.sh --check` only
# checks (scripts/release.sh asks it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
abis=(arm64-v8a armeabi-v7a x86_64)
targets=(aarch64-linux-android armv7-linux-androideabi x86_64-linux-android)
missing=()

ndk="${ANDROID_NDK_HOME:-${ANDROID_NDK_ROOT:-}}"
if [ -z "$ndk" ] && [ -n "${ANDROID_HOME:-}" ] && [ -d "$ANDROID_HOME/ndk" ]; then
    ndk=$(ls -d "$ANDROID_HOME"/ndk/* 2>/dev/null | sort -V | tail -1)
fi
if [ -z "$ndk" ] || [ ! -f "$ndk/source.properties" ]; then
    missing+=("the Android NDK r28 or newer (set ANDROID_NDK_HOME, or install it with the SDK manager under \$ANDROID_HOME/ndk)")
else
    revision=$(sed -n 's/^Pkg.Revision *= *\([0-9]*\).*/\1/p' "$ndk/source.properties")
    if [ "${revision:-0}" -lt 28 ]; then
        missing+=("an NDK r28 or newer for 16 KB page alignment (found r$revision at $ndk)")
    fi
fi
command -v cargo-ndk >/dev/null || missing+=("cargo-ndk (cargo install cargo-ndk)")
installed=$(rustup target list --installed 2>/dev/null || true)
for target in "${targets[@]}"; do
    grep -qx "$target" <<<"$installed" || missing+=("the Rust target $target (rustup target add $target)")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "platforms/android: cannot build the Android libraries; missing:" >&2
    printf '  - %s\n' "${missing[@]}" >&2
    exit 1
fi
[ "${1:-}" != --check ] || exit 0

export ANDROID_NDK_HOME="$ndk"
# 16 KB pages (Android 15+): NDK r28 links with them by default; say it anyway.
export RUSTFLAGS="${RUSTFLAGS:-} -C link-arg=-Wl,-z,max-page-size=16384"
cd "$root"
ndk_args=()
for abi in "${abis[@]}"; do ndk_args+=(-t "$abi"); done
# The library's features: SQLite bundled, without the CLI's inspector (Cargo.toml).
cargo ndk "${ndk_args[@]}" -o "$here/build/rustJniLibs" build --release --lib \
    --no-default-features --features bundled-sqlite
scripts/generate-bindings.sh --profile release
scripts/notices.sh "$here/build/rustNotices/META-INF/miniapp-auth/THIRD-PARTY-NOTICES.txt"
echo "platforms/android: jniLibs in $here/build/rustJniLibs, Kotlin in bindings/kotlin/generated, notices in $here/build/rustNotices"
