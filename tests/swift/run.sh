#!/usr/bin/env bash
# Compiles the generated Swift bindings with the scenarios in this folder (swiftc,
# in a Debian 13 root when the machine has no Swift) under Swift 5 and Swift 6
# language modes, and runs them against the real debug library.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../../scripts/toolchains.sh
source "$root/scripts/toolchains.sh"
provision_swift
generate_test_bindings
out="$FOREIGN_TESTS"
work="$SWIFT_ROOT/work/miniapp-auth"
rm -rf "$work"
mkdir -p "$work"
cp "$out"/swift/* "$root/tests/swift/Scenarios.swift" "$root/target/debug/libminiapp_auth.so" "$work/"
swift_mount "$SWIFT_ROOT"
trap 'swift_unmount "$SWIFT_ROOT"' EXIT
in_root() { chroot "$SWIFT_ROOT" /bin/sh -c "cd /work/miniapp-auth && $1"; }
compiled=()
dir=/work/miniapp-auth
# Swift 6.0.3 (Debian 13) crashes in its TransferNonSendable SIL pass on UniFFI's
# generated async-callback helper; with that pass disabled Swift 6 mode compiles.
workaround="-Xllvm -sil-disable-pass=transfer-non-sendable"
compile() { # mode, extra flags
    in_root "swiftc -swift-version $1 $2 -parse-as-library -module-name Scenarios \
        -module-cache-path $dir/module-cache-$1 -Xcc -fmodule-map-file=$dir/MiniAppAuthFFI.modulemap \
        -I $dir MiniAppAuth.swift Scenarios.swift -L $dir -lminiapp_auth -o scenarios-swift$1" \
        >"$out/swiftc-$1.log" 2>&1
}
for mode in 5 6; do
    if compile "$mode" ""; then
        echo "swift: the generated bindings compile in Swift $mode language mode"
        compiled+=("$mode")
    elif grep -q TransferNonSendable "$out/swiftc-$mode.log" && compile "$mode" "$workaround"; then
        echo "swift: Swift $mode language mode: swiftc crashes (TransferNonSendable pass); compiles with $workaround"
        compiled+=("$mode")
    else
        echo "swift: the generated bindings do NOT compile in Swift $mode language mode (first errors):"
        grep -m5 'error:' "$out/swiftc-$mode.log" | sed 's/^/    /' || true
    fi
done
[ "${#compiled[@]}" -gt 0 ] || { cat "$out/swiftc-5.log" >&2; echo "swift: no language mode compiled" >&2; exit 1; }
status=0
for mode in "${compiled[@]}"; do
    echo "swift: running the scenarios built in Swift $mode mode"
    in_root "LD_LIBRARY_PATH=. ./scenarios-swift$mode" || status=1
done
exit $status
