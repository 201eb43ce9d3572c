#!/usr/bin/env bash
# The FFI benchmarks (issue #6): Kotlin (JVM + JNA) and Swift harnesses time
# `authorize` on a granted scope beside a no-op export with the same signature,
# against the release library built with the `ffi-bench` feature (in
# target/ffi-bench, so the shipped build never has the no-op).
#   benches/ffi/run.sh [kotlin|swift|all] [--smoke]
# --smoke makes a few calls only (./test.sh runs that, to prove both still run).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../../scripts/toolchains.sh
source "$root/scripts/toolchains.sh"
which=all
smoke=()
for arg in "$@"; do
    case "$arg" in
        kotlin | swift | all) which="$arg" ;;
        --smoke) smoke=(--smoke) ;;
        *) echo "usage: $0 [kotlin|swift|all] [--smoke]" >&2; exit 2 ;;
    esac
done
target="$root/target/ffi-bench"
out="$target/bindings"
mkdir -p "$out"
echo "ffi: building the release library with the ffi-bench feature"
"$root/scripts/generate-bindings.sh" --profile release --features ffi-bench \
    --target-dir "$target" --out "$out" >"$target/generate.log" 2>&1 \
    || { cat "$target/generate.log" >&2; echo "ffi: building or generating failed" >&2; exit 1; }
lib_dir="$target/release"

run_kotlin() {
    provision_kotlin
    local classpath="$JNA_JAR:$KOTLIN_HOME/lib/kotlinx-coroutines-core-jvm.jar"
    local jar="$target/ffi-bench-kotlin.jar"
    rm -f "$jar"
    # The generated code directly (the layer adds nothing to the crossing measured),
    # with the JVM stand-ins for the Android classes its Android cleaner names.
    if ! "$KOTLIN_HOME/bin/kotlinc" -nowarn "$out/kotlin/com/miniappauth/internal/miniapp_auth.kt" \
        "$root"/tests/kotlin/android-stubs/*.kt \
        "$root/benches/ffi/FfiBench.kt" -cp "$classpath" -d "$jar" >"$target/kotlinc.log" 2>&1; then
        cat "$target/kotlinc.log" >&2
        echo "ffi: kotlin: compilation failed" >&2
        return 1
    fi
    java -Djna.library.path="$lib_dir" -cp "$jar:$classpath:$KOTLIN_HOME/lib/kotlin-stdlib.jar" \
        FfiBenchKt "${smoke[@]}"
}

run_swift() {
    provision_swift
    local work="$SWIFT_ROOT/work/miniapp-auth-ffi-bench" dir=/work/miniapp-auth-ffi-bench
    rm -rf "$work"
    mkdir -p "$work"
    cp "$out"/swift/* "$root/benches/ffi/FfiBench.swift" "$lib_dir/libminiapp_auth.so" "$work/"
    swift_mount "$SWIFT_ROOT"
    trap 'swift_unmount "$SWIFT_ROOT"' RETURN
    # Swift 5 language mode (Swift 6 mode needs a swiftc workaround; tests/swift/run.sh).
    if ! chroot "$SWIFT_ROOT" /bin/sh -c "cd $dir && swiftc -O -swift-version 5 -parse-as-library \
        -module-name FfiBench -module-cache-path $dir/module-cache \
        -Xcc -fmodule-map-file=$dir/MiniAppAuthFFI.modulemap -I $dir \
        MiniAppAuthBindings.swift FfiBench.swift -L $dir -lminiapp_auth -o ffi-bench" >"$target/swiftc.log" 2>&1; then
        cat "$target/swiftc.log" >&2
        echo "ffi: swift: compilation failed" >&2
        return 1
    fi
    chroot "$SWIFT_ROOT" /bin/sh -c "cd $dir && LD_LIBRARY_PATH=. ./ffi-bench ${smoke[*]}"
}

status=0
case "$which" in
    kotlin) run_kotlin || status=1 ;;
    swift) run_swift || status=1 ;;
    all)
        run_kotlin || status=1
        run_swift || status=1
        ;;
esac
exit $status
