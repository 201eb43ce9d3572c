#!/usr/bin/env bash
# The FFI benchmarks (issues #6, #14): Kotlin (JVM + JNA) and Swift harnesses
# time, in one run, interleaved: a hand-written map lookup, the floors (a sync
# no-argument crossing, a sync record crossing, the same async), `authorize` on
# a granted scope, and the layer's hot path (MiniAppCaller.authorize) — Swift
# both off the main actor and from it — and print a table per language and one
# line per target ("met"/"not met", computed from the run). Against the release
# library built with the `ffi-bench` feature (in target/ffi-bench, so the shipped
# build never has the floors).
#   benches/ffi/run.sh [kotlin|swift|all] [--smoke]
# --smoke makes a few calls only (./test.sh runs that, to prove both still run),
# against the debug library the other suites use (debug builds carry the
# floors), with the harnesses kept compiled while their sources are unchanged.
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
if [ ${#smoke[@]} -gt 0 ]; then
    target="$root/target/ffi-smoke"
    mkdir -p "$target"
    echo "ffi: smoke: the debug library and bindings of the other suites"
    generate_test_bindings
    out="$FOREIGN_TESTS"
    lib_dir="$root/target/debug"
    mode=smoke
else
    target="$root/target/ffi-bench"
    out="$target/bindings"
    mkdir -p "$out"
    echo "ffi: building the release library with the ffi-bench feature"
    "$root/scripts/generate-bindings.sh" --profile release --features ffi-bench \
        --target-dir "$target" --out "$out" >"$target/generate.log" 2>&1 \
        || { cat "$target/generate.log" >&2; echo "ffi: building or generating failed" >&2; exit 1; }
    lib_dir="$target/release"
    mode=measure
fi

run_kotlin() {
    provision_kotlin
    local classpath="$JNA_JAR:$KOTLIN_HOME/lib/kotlinx-coroutines-core-jvm.jar"
    local build="$target/kotlin-build"
    local jar="$build/ffi-bench-kotlin.jar"
    local sources=("$out/kotlin/com/miniappauth/internal/miniapp_auth.kt" "$root"/tests/kotlin/android-stubs/*.kt
        "$root"/platforms/android/src/main/kotlin/com/miniappauth/*.kt "$root/benches/ffi/FfiBench.kt")
    local key
    key=$(inputs_hash "${sources[@]}" -- "kotlinc $KOTLIN_VERSION")
    rm -rf "$build"
    if build_cache_restore "ffi-kotlin-$mode" "$key" "$build"; then
        echo "ffi: kotlin: harness unchanged: reusing its build ($key)"
    else
        mkdir -p "$build"
        # The generated code, the layer (its hot path is measured) and the harness in
        # one module (the harness reaches the generated floors through the layer's
        # internal `generated`), with the JVM stand-ins for the Android classes the
        # generated Android cleaner names.
        if ! "$KOTLIN_HOME/bin/kotlinc" -nowarn "${sources[@]}" -cp "$classpath" -d "$jar" >"$target/kotlinc.log" 2>&1; then
            cat "$target/kotlinc.log" >&2
            echo "ffi: kotlin: compilation failed" >&2
            return 1
        fi
        build_cache_keep "ffi-kotlin-$mode" "$key" "$build"
    fi
    java -Djna.library.path="$lib_dir" -cp "$jar:$classpath:$KOTLIN_HOME/lib/kotlin-stdlib.jar" \
        FfiBenchKt "${smoke[@]}"
}

run_swift() {
    provision_swift
    # A directory per checkout, so concurrent runs from two worktrees do not collide.
    local dir="/work/miniapp-auth-ffi-bench-$(basename "$root")"
    local work="$SWIFT_ROOT$dir"
    rm -rf "$work"
    mkdir -p "$work"
    mkdir -p "$work/layer"
    cp "$out"/swift/* "$root/benches/ffi/FfiBench.swift" "$lib_dir/libminiapp_auth.so" "$work/"
    cp "$root"/platforms/ios/Sources/MiniAppAuth/*.swift "$work/layer/"
    swift_mount "$SWIFT_ROOT"
    trap 'swift_unmount "$SWIFT_ROOT"' RETURN
    # Three modules as a host builds them (tests/swift/run.sh): the generated
    # bindings, the layer (its hot path is measured), the harness, -O for the
    # measurement, in Swift 5 language mode (Swift 6 mode needs a swiftc
    # workaround; tests/swift/run.sh). The smoke run builds without -O (faster).
    local optimise="-O"
    [ "$mode" = measure ] || optimise="-Onone"
    local common="$optimise -swift-version 5 -module-cache-path $dir/module-cache \
        -Xcc -fmodule-map-file=$dir/MiniAppAuthFFI.modulemap -I $dir -I $dir/build -L $dir -L $dir/build"
    local key
    key=$(inputs_hash "$out"/swift/* "$root/benches/ffi/FfiBench.swift" "$root"/platforms/ios/Sources/MiniAppAuth/*.swift \
        -- "$common" "swiftlang $(sed -n '/^Package: swiftlang$/,/^$/s/^Version: //p' "$SWIFT_ROOT/var/lib/dpkg/status")")
    if build_cache_restore "ffi-swift-$mode" "$key" "$work/build"; then
        echo "ffi: swift: harness unchanged: reusing its build ($key)"
    elif chroot "$SWIFT_ROOT" /bin/sh -c "cd $dir && mkdir -p build && \
        swiftc $common -parse-as-library -emit-module -emit-library -module-name MiniAppAuthBindings \
            -emit-module-path build/MiniAppAuthBindings.swiftmodule MiniAppAuthBindings.swift -lminiapp_auth \
            -o build/libMiniAppAuthBindings.so && \
        swiftc $common -package-name miniappauth -parse-as-library -emit-module -emit-library -module-name MiniAppAuth \
            -emit-module-path build/MiniAppAuth.swiftmodule layer/*.swift -lMiniAppAuthBindings -lminiapp_auth \
            -o build/libMiniAppAuth.so && \
        swiftc $common -parse-as-library -module-name FfiBench FfiBench.swift \
            -lMiniAppAuth -lMiniAppAuthBindings -lminiapp_auth -o build/ffi-bench" >"$target/swiftc.log" 2>&1; then
        build_cache_keep "ffi-swift-$mode" "$key" "$work/build"
    else
        cat "$target/swiftc.log" >&2
        echo "ffi: swift: compilation failed" >&2
        return 1
    fi
    chroot "$SWIFT_ROOT" /bin/sh -c "cd $dir && LD_LIBRARY_PATH=.:build ./build/ffi-bench ${smoke[*]}"
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
