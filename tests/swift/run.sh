#!/usr/bin/env bash
# Compiles, in Swift 5 and Swift 6 language modes (swiftc in a Debian 13 root when
# the machine has no Swift), the modules as a host's build would:
#   MiniAppAuthBindings  the generated bindings (-emit-module -emit-library)
#   MiniAppAuth          the hand-written layer, platforms/ios/Sources/MiniAppAuth
#   MiniAppAuthTesting   the test seams, platforms/ios/Sources/MiniAppAuthTesting
#                        (the same -package-name as the layer, as SwiftPM gives both)
#   Scenarios            the scenarios and the docs' compiled samples (docs/samples/ios)
#   HostUnitTest         a host's unit test (tests/swift/host), importing only
#                        MiniAppAuth and MiniAppAuthTesting
# and runs them against the real debug library: the scenarios, the host's unit
# test, then the main-safety run (`scenarios main-safety`) under strace from
# outside the root, checked by scripts/check-main-thread-io.py. Then the API
# checks: swift-api-digester dumps the public API of MiniAppAuth and
# MiniAppAuthTesting, scripts/swift-api-text.py makes it text, which must equal
# platforms/ios/api/<module>.api (MINIAPP_AUTH_UPDATE_API=1 rewrites those files
# instead), and no public declaration may name a generated (MiniAppAuthBindings)
# or an unsigned type. Each part prints "swift: N passed, M failed".
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../../scripts/toolchains.sh
source "$root/scripts/toolchains.sh"
provision_swift
generate_test_bindings
out="$FOREIGN_TESTS"
# A directory per checkout: runs from two worktrees (a CI run beside a helper's)
# must not delete each other's files in the shared Swift root.
dir="/work/miniapp-auth-$(basename "$root")"
work="$SWIFT_ROOT$dir"
rm -rf "$work"
mkdir -p "$work/layer" "$work/testing" "$work/tests/host" "$work/docs/samples" "$work/ffi"
cp "$out/swift/MiniAppAuthBindings.swift" "$root/target/debug/libminiapp_auth.so" "$work/"
# The C module as the XCFramework ships it: Headers/MiniAppAuthFFI/{MiniAppAuthFFI.h,
# module.modulemap}, the module map less UniFFI's `use "_Builtin_…"` lines
# (platforms/ios/xcframework-headers.sh), found as Xcode finds it: clang looks for
# <include dir>/MiniAppAuthFFI/module.modulemap. Not UniFFI's own module map.
bash "$root/platforms/ios/xcframework-headers.sh" "$out/swift" "$work/Headers" >/dev/null
# The same module for the API digester, in an -I directory of its own (it takes no -Xcc).
cp "$work/Headers/MiniAppAuthFFI/MiniAppAuthFFI.h" "$work/Headers/MiniAppAuthFFI/module.modulemap" "$work/ffi/"
cp "$root"/platforms/ios/Sources/MiniAppAuth/*.swift "$work/layer/"
cp "$root"/platforms/ios/Sources/MiniAppAuthTesting/*.swift "$work/testing/"
cp "$root"/tests/swift/*.swift "$work/tests/"
cp "$root"/tests/swift/host/*.swift "$work/tests/host/"
cp -r "$root/docs/samples/ios" "$work/docs/samples/"
# The scenarios check that the docs quote the samples verbatim.
cp "$root/README.md" "$work/"
cp "$root/docs/host-guide.md" "$work/docs/"
swift_mount "$SWIFT_ROOT"
trap 'swift_unmount "$SWIFT_ROOT"' EXIT
in_root() { chroot "$SWIFT_ROOT" /bin/sh -c "cd $dir && $1"; }
compiled=()
# Swift 6.0.3 (Debian 13) crashes in its TransferNonSendable SIL pass on UniFFI's
# generated async-callback helper; with that pass disabled the generated module
# compiles in Swift 6 mode. It is disabled for that module only: the layer, the
# testing module, the scenarios and the host's test get every Swift 6 check.
workaround="-Xllvm -sil-disable-pass=transfer-non-sendable"
compile() { # mode, extra flags for the generated module
    local m="$dir/swift$1" common="-swift-version $1 -module-cache-path $dir/module-cache-$1 \
        -I $dir/Headers -I $dir/swift$1 -L $dir -L $dir/swift$1"
    local package="-package-name miniappauth"
    in_root "mkdir -p $m && \
        swiftc $common $2 -parse-as-library -emit-module -emit-library -module-name MiniAppAuthBindings \
            -emit-module-path $m/MiniAppAuthBindings.swiftmodule MiniAppAuthBindings.swift -lminiapp_auth \
            -o $m/libMiniAppAuthBindings.so && \
        swiftc $common $package -parse-as-library -emit-module -emit-library -module-name MiniAppAuth \
            -emit-module-path $m/MiniAppAuth.swiftmodule layer/*.swift -lMiniAppAuthBindings -lminiapp_auth \
            -o $m/libMiniAppAuth.so && \
        swiftc $common $package -parse-as-library -emit-module -emit-library -module-name MiniAppAuthTesting \
            -emit-module-path $m/MiniAppAuthTesting.swiftmodule testing/*.swift \
            -lMiniAppAuth -lMiniAppAuthBindings -lminiapp_auth -o $m/libMiniAppAuthTesting.so && \
        swiftc $common -parse-as-library -module-name Scenarios tests/*.swift docs/samples/ios/*.swift \
            -lMiniAppAuth -lMiniAppAuthBindings -lminiapp_auth -o $m/scenarios && \
        swiftc $common -parse-as-library -module-name HostUnitTest tests/host/*.swift \
            -lMiniAppAuthTesting -lMiniAppAuth -lMiniAppAuthBindings -lminiapp_auth -o $m/host-unit-test" \
        >"$out/swiftc-$1.log" 2>&1
}
# Everything a mode's build is made from: unchanged, its last build is reused.
inputs=("$out"/swift/* "$root/platforms/ios/xcframework-headers.sh" "$root"/platforms/ios/Sources/MiniAppAuth/*.swift \
    "$root"/platforms/ios/Sources/MiniAppAuthTesting/*.swift "$root"/tests/swift/*.swift "$root"/tests/swift/host/*.swift \
    "$root"/docs/samples/ios/*.swift)
for mode in 5 6; do
    key=$(inputs_hash "${inputs[@]}" -- "swift language mode $mode" "built in $root" "the C module from Headers/MiniAppAuthFFI" \
        "the workaround for the generated module only" \
        "swiftlang $(sed -n '/^Package: swiftlang$/,/^$/s/^Version: //p' "$SWIFT_ROOT/var/lib/dpkg/status")")
    if build_cache_restore "swift$mode" "$key" "$work/swift$mode"; then
        echo "swift: Swift $mode language mode: sources unchanged since the last build: reusing it ($key)"
        compiled+=("$mode")
    elif compile "$mode" ""; then
        echo "swift: the bindings, the layer, the testing module, the scenarios and the host's test compile in Swift $mode language mode"
        compiled+=("$mode")
        build_cache_keep "swift$mode" "$key" "$work/swift$mode"
    elif grep -q TransferNonSendable "$out/swiftc-$mode.log" && compile "$mode" "$workaround"; then
        echo "swift: Swift $mode language mode: swiftc crashes (TransferNonSendable pass) on the generated bindings;" \
            "they compile with $workaround, the layer, the testing module, the scenarios and the host's test without it"
        compiled+=("$mode")
        build_cache_keep "swift$mode" "$key" "$work/swift$mode"
    else
        echo "swift: Swift $mode language mode does NOT compile (first errors):"
        grep -m8 'error:' "$out/swiftc-$mode.log" | sed 's/^/    /' || true
    fi
done
[ "${#compiled[@]}" -gt 0 ] || { cat "$out/swiftc-5.log" >&2; echo "swift: no language mode compiled" >&2; exit 1; }
status=0
for mode in "${compiled[@]}"; do
    echo "swift: running the scenarios built in Swift $mode mode"
    in_root "LD_LIBRARY_PATH=.:swift$mode ./swift$mode/scenarios" || status=1
    echo "swift: running the host's unit test built in Swift $mode mode"
    # It cannot exit(1) (it imports the two modules only): its summary line says.
    host_log="$out/host-unit-test-$mode.log"
    in_root "LD_LIBRARY_PATH=.:swift$mode ./swift$mode/host-unit-test" >"$host_log" 2>&1 || status=1
    cat "$host_log"
    grep -Eq "^swift: [0-9]+ passed, 0 failed" "$host_log" || status=1
done

mode="${compiled[0]}"
echo "swift: the main-safety run (Swift $mode mode) under strace"
# strace from outside the root (the root has none).
main_safety_check swift "$out" "the generated blocking openReadOnly and listGrants" \
    chroot "$SWIFT_ROOT" /bin/sh -c "cd $dir && LD_LIBRARY_PATH=.:swift$mode ./swift$mode/scenarios main-safety" -- \
    chroot "$SWIFT_ROOT" /bin/sh -c "cd $dir && LD_LIBRARY_PATH=.:swift$mode ./swift$mode/scenarios main-safety-control" \
    || status=1

# The API checks, on the Swift 5 mode build (the mode the package builds in).
echo "swift: the public API (swift-api-digester, Swift $mode mode build)"
api_passed=0
api_failed=0
api_check() { # name, command…: one check
    local name="$1"
    shift
    if "$@"; then
        api_passed=$((api_passed + 1))
        echo "ok   $name"
    else
        api_failed=$((api_failed + 1))
        echo "FAIL $name"
    fi
}
text="python3 $root/scripts/swift-api-text.py"
demangler="chroot $SWIFT_ROOT /usr/libexec/swift/bin/swift-demangle"
mkdir -p "$out/api"
dumped=()
for module in MiniAppAuth MiniAppAuthTesting; do
    if in_root "/usr/libexec/swift/bin/swift-api-digester -dump-sdk -module $module -swift-version $mode \
            -I $dir/swift$mode -I $dir/ffi -module-cache-path $dir/module-cache-api -avoid-location -avoid-tool-args \
            -abort-on-module-fail -o api-$module.json" >"$out/api/$module.log" 2>&1 \
        && $text text "$work/api-$module.json" --demangler "$demangler" >"$out/api/$module.api" 2>>"$out/api/$module.log"; then
        dumped+=("$module")
    else
        cat "$out/api/$module.log"
        api_failed=$((api_failed + 1))
        echo "FAIL the public API of $module: the digester or scripts/swift-api-text.py failed"
    fi
done
for module in "${dumped[@]}"; do
    committed="$root/platforms/ios/api/$module.api"
    if [ "${MINIAPP_AUTH_UPDATE_API:-}" = 1 ]; then
        mkdir -p "$(dirname "$committed")"
        cp "$out/api/$module.api" "$committed"
        echo "swift: MINIAPP_AUTH_UPDATE_API=1: wrote platforms/ios/api/$module.api"
    fi
    same_api() {
        [ -f "$committed" ] || { echo "    platforms/ios/api/$module.api is missing (MINIAPP_AUTH_UPDATE_API=1 writes it)"; return 1; }
        diff -u --label "platforms/ios/api/$module.api (committed)" --label "$module (this build)" \
            "$committed" "$out/api/$module.api" | sed 's/^/    /'
        cmp -s "$committed" "$out/api/$module.api"
    }
    api_check "the public API of $module equals platforms/ios/api/$module.api" same_api
    api_check "no public declaration of $module names a generated (MiniAppAuthBindings) type" \
        $text check "$work/api-$module.json" --forbid-module MiniAppAuthBindings
    api_check "no public declaration of $module names an unsigned type" \
        $text check "$work/api-$module.json" --forbid-unsigned
done
echo "swift: $api_passed passed, $api_failed failed (the API checks)"
[ "$api_failed" = 0 ] || status=1
exit $status
