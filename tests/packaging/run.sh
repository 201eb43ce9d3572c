#!/usr/bin/env bash
# The packaging suite: what of issue #13's artifacts can be checked on Linux.
# In a scratch copy of the work tree (target/packaging/repo, so the real
# CHANGELOG.md and dist/ stay untouched) it runs scripts/release.sh:
#   - it must refuse a VERSION other than Cargo.toml's, a CHANGELOG without
#     the version's section, and (without --partial) a Cargo.toml without
#     `repository`, saying what to do;
#   - without --partial, with Cargo.toml as it is, it must get past the project
#     URL and stop only at what Linux cannot build (the AAR, the XCFramework);
#   - with the section added, `release.sh VERSION --partial` (bindings generated
#     from the debug library) must make dist/VERSION and pass its checks
#     (scripts/check-packaging.py: the POM's coordinates, dependencies and
#     licences, the project URL, build.gradle.kts on the catalog and its
#     buildRust task's inputs and outputs, no JNA < 5.17, the licence notices in
#     each artifact, the Headers tree, the privacy manifest, the Swift tools
#     version, the release Package.swift), and list what it skipped;
#   - a second run must produce the same files (idempotent);
#   - the notices and buildRust checks must fail on a broken copy (a crate
#     left out of the notices, SQLite's section gone, an input or output of the
#     task undeclared);
# then the shipped module map (no `use "_Builtin_…"`, uniffi-rs#2917), the static
# library beside a C host's own SQLite (tests/packaging/c-host.sh: a release
# build, scripts/static-lib-exports.sh, nm, the host linked with and without it),
# and `swift package dump-package` in the Debian 13 Swift root, on
# platforms/ios (local form) and dist/VERSION/swift (release form): tools 6.0,
# Swift 5 language mode.
# The first run on a machine installs cargo-about for the notices
# (scripts/notices.sh: several minutes, once).
# Prints "packaging: NAME: ok" or "packaging: NAME: FAILED: why" per check.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../../scripts/toolchains.sh
source "$root/scripts/toolchains.sh"
set +e
failed=0
ok() { echo "packaging: $1: ok${2:+ ($2)}"; }
bad() { echo "packaging: $1: FAILED: $2"; failed=1; }

generate_test_bindings || { bad "bindings" "generating the bindings failed"; exit 1; }
version=$(python3 -c 'import tomllib; print(tomllib.load(open("'"$root"'/Cargo.toml", "rb"))["package"]["version"])')

scratch="$root/target/packaging/repo"
rm -rf "$scratch"
mkdir -p "$scratch"
(cd "$root" && git ls-files -co --exclude-standard -z | grep -zv '^target/' | xargs -0 cp --parents -t "$scratch")
(cd "$scratch" && git init -q && git add -A) || { bad "scratch copy" "git init in $scratch failed"; exit 1; }
release() { (cd "$scratch" && bash scripts/release.sh "$@"); }
log="$root/target/packaging/release.log"

# Refusals, with the advice they give.
if out=$(release 99.0.0 --partial --bindings "$FOREIGN_TESTS" 2>&1); then
    bad "release refuses a version that is not Cargo.toml's" "it exited 0"
elif grep -q "Cargo.toml's version is $version, not 99.0.0. Set version = \"99.0.0\"" <<<"$out"; then
    ok "release refuses a version that is not Cargo.toml's"
else
    bad "release refuses a version that is not Cargo.toml's" "unexpected message: $out"
fi
if grep -Eq "^## \[?$version\]?( |$)" "$scratch/CHANGELOG.md"; then
    ok "release refuses a CHANGELOG without the version" "skipped: CHANGELOG.md already has $version"
elif out=$(release "$version" --partial --bindings "$FOREIGN_TESTS" 2>&1); then
    bad "release refuses a CHANGELOG without the version" "it exited 0"
elif grep -q "CHANGELOG.md has no section for $version. Add a heading \"## $version" <<<"$out"; then
    ok "release refuses a CHANGELOG without the version"
else
    bad "release refuses a CHANGELOG without the version" "unexpected message: $out"
fi

grep -Eq "^## \[?$version\]?( |$)" "$scratch/CHANGELOG.md" \
    || sed -i "0,/^## Unreleased\$/s//## Unreleased\n\n## $version ($(date +%Y-%m-%d))/" "$scratch/CHANGELOG.md"

# The project URL: Cargo.toml's repository. Without it a real release refuses
# before making anything; with it, it gets past that point.
sed -i '/^repository = /d' "$scratch/Cargo.toml"
if out=$(release "$version" --bindings "$FOREIGN_TESTS" 2>&1); then
    bad "release refuses a Cargo.toml without repository" "it exited 0"
elif grep -q "Cargo.toml's \[package\] has no repository = \"https://…\"" <<<"$out" && [ ! -e "$scratch/dist/$version" ]; then
    ok "release refuses a Cargo.toml without repository"
else
    bad "release refuses a Cargo.toml without repository" "unexpected message or dist/$version made: $(tail -3 <<<"$out")"
fi
(cd "$scratch" && git checkout -q Cargo.toml)
repository=$(python3 -c 'import tomllib; print(tomllib.load(open("'"$root"'/Cargo.toml", "rb"))["package"].get("repository", ""))')
release "$version" --bindings "$FOREIGN_TESTS" >"$log.full" 2>&1
status=$?
if [ -z "$repository" ]; then
    bad "release without --partial gets past the project URL" "Cargo.toml has no repository"
elif [ "$status" = 0 ]; then
    ok "release without --partial gets past the project URL" "a complete release: nothing was skipped on this machine"
elif grep -q "has no repository" "$log.full" || grep -q "the project URL" "$scratch/dist/$version/INCOMPLETE" 2>/dev/null; then
    bad "release without --partial gets past the project URL" "it still stops at the project URL"
elif grep -q "^release: incomplete release" "$log.full" && grep -q "^release: NOT DONE" "$log.full" \
    && ! grep -q "^packaging: .*: FAILED" "$log.full"; then
    ok "release without --partial gets past the project URL" "$repository; stopped at the end, for: $(grep '^  - ' "$log.full" | cut -d: -f1 | sed 's/^  - //' | paste -sd ';' - | sed 's/;/; /g')"
else
    bad "release without --partial gets past the project URL" "exit status $status; last lines:
$(tail -15 "$log.full" | sed 's/^/    /')"
fi

# The release, as far as Linux goes: its own checks print packaging: lines.
release "$version" --partial --bindings "$FOREIGN_TESTS" >"$log" 2>&1
status=$?
grep -E '^packaging: ' "$log"
dist="$scratch/dist/$version"
if [ "$status" = 0 ]; then
    ok "release $version --partial" "$(grep -c '^  - ' "$log") parts listed as not done on $(uname -s)"
else
    # (indented: the checks' own lines above are already counted)
    bad "release $version --partial" "exit status $status; last lines:
$(grep -v '^packaging: ' "$log" | tail -15 | sed 's/^/    /')"
fi
if [ "$status" = 0 ]; then
    if [ -f "$dist/INCOMPLETE" ] && grep -q "do not publish" "$log"; then
        ok "a partial release is marked INCOMPLETE"
    elif [ -f "$dist/INCOMPLETE" ] || grep -q "NOT DONE" "$log"; then
        bad "a partial release is marked INCOMPLETE" "INCOMPLETE marker and warning disagree"
    else
        ok "a partial release is marked INCOMPLETE" "nothing was skipped on this machine"
    fi
fi
cp "$dist/MANIFEST.txt" "$root/target/packaging/MANIFEST.first" 2>/dev/null
release "$version" --partial --bindings "$FOREIGN_TESTS" >"$log.again" 2>&1
if cmp -s "$dist/MANIFEST.txt" "$root/target/packaging/MANIFEST.first"; then
    ok "release is idempotent" "a second run wrote the same files, byte for byte"
else
    bad "release is idempotent" "MANIFEST.txt differs between two runs: $(diff "$root/target/packaging/MANIFEST.first" "$dist/MANIFEST.txt" | head -5)"
fi

# The shipped module map (dist/VERSION/ios/Headers, made by
# platforms/ios/xcframework-headers.sh): UniFFI's `use "_Builtin_stdbool"` /
# `use "_Builtin_stdint"` lines dropped (they break Xcode 26, uniffi-rs#2917),
# every other line kept.
name="the module map has no _Builtin_ line"
generated_map="$FOREIGN_TESTS/swift/MiniAppAuthFFI.modulemap"
shipped_map="$dist/ios/Headers/MiniAppAuthFFI/module.modulemap"
if [ ! -f "$generated_map" ] || [ ! -f "$shipped_map" ]; then
    bad "$name" "missing: $(ls "$generated_map" "$shipped_map" 2>&1 >/dev/null | paste -sd' ' -)"
elif grep -q '_Builtin_' "$shipped_map"; then
    bad "$name" "$shipped_map still has: $(grep '_Builtin_' "$shipped_map" | paste -sd' ' -)"
elif ! grep -Eq '^module +MiniAppAuthFFI +\{' "$shipped_map" || ! grep -Eq '^ *header +"MiniAppAuthFFI\.h"' "$shipped_map"; then
    bad "$name" "$shipped_map no longer declares module MiniAppAuthFFI with header \"MiniAppAuthFFI.h\": $(paste -sd' ' "$shipped_map")"
elif ! grep -v '_Builtin_' "$generated_map" | cmp -s - "$shipped_map"; then
    bad "$name" "$shipped_map lost more than the _Builtin_ lines: $(grep -v '_Builtin_' "$generated_map" | diff - "$shipped_map" | paste -sd' ' -)"
else
    ok "$name" "UniFFI's has $(grep -c '_Builtin_' "$generated_map"), dropped; module MiniAppAuthFFI, its header, export *, use \"Darwin\" kept"
fi

# The static library beside a host's own SQLite: exports the entry points only
# (scripts/static-lib-exports.sh; tests/packaging/c-host.sh prints its checks).
bash "$root/tests/packaging/c-host.sh" || failed=1

# The checks can fail: on a broken copy, each must say what is wrong.
notices="$dist/swift/THIRD-PARTY-NOTICES.txt"
broken="$root/target/packaging/notices.broken"
expect_failure() { # name, what the FAILED line must contain, check-packaging.py arguments...
    local name="$1" want="$2" out
    shift 2
    out=$(cd "$scratch" && python3 scripts/check-packaging.py "$@" 2>&1)
    if [ $? != 0 ] && grep -q "FAILED: .*$want" <<<"$out"; then
        ok "$name"
    else
        bad "$name" "expected a failure naming $want; got: $out"
    fi
}
if [ -f "$notices" ]; then
    grep -v '^libsqlite3-sys [0-9]' "$notices" >"$broken"
    expect_failure "the notices check fails on a crate left out" "libsqlite3-sys" notices "$broken"
    python3 -c 'import re, sys; t = open(sys.argv[1]).read(); open(sys.argv[2], "w").write(re.sub(r"\nSQLite\n-+\n.*?\n\n", "\n", t, flags=re.S))' \
        "$notices" "$broken"
    expect_failure "the notices check fails without SQLite's section" "SQLite is bundled" notices "$broken"
else
    bad "the notices checks can fail" "no $notices to break"
fi
gradle_file="$scratch/platforms/android/build.gradle.kts"
sed -i '/crate\.file("Cargo\.lock"),/d' "$gradle_file"
expect_failure "the buildRust check fails on an undeclared input" "Cargo.lock" build-rust-task
(cd "$scratch" && git checkout -q platforms/android/build.gradle.kts)
sed -i 's/jniLibs\.set(layout\.buildDirectory\.dir("rustJniLibs"))/jniLibs.set(layout.buildDirectory.dir("elsewhere"))/' "$gradle_file"
expect_failure "the buildRust check fails on an output the source set does not read" "jniLibs output" build-rust-task
(cd "$scratch" && git checkout -q platforms/android/build.gradle.kts)

# swift package dump-package, local and release forms, in the Swift root.
if ! provision_swift; then
    bad "swift package dump-package" "no Swift root (scripts/toolchains.sh swift)"
    exit 1
fi
work="$SWIFT_ROOT/work/miniapp-auth-packaging"
rm -rf "$work"
mkdir -p "$work/local" "$work/release"
cp -r "$root/platforms/ios/Package.swift" "$root/platforms/ios/Sources" "$work/local/"
cp -r "$dist/swift/." "$work/release/"
# Unmount /proc afterwards only if this run mounted it (another suite may be in
# the root).
if ! mountpoint -q "$SWIFT_ROOT/proc"; then
    swift_mount "$SWIFT_ROOT"
    trap 'swift_unmount "$SWIFT_ROOT"' EXIT
fi
for form in local release; do
    if chroot "$SWIFT_ROOT" /bin/sh -c "cd /work/miniapp-auth-packaging/$form && HOME=/tmp swift package dump-package" \
        >"$work/$form.json" 2>"$work/$form.err"; then
        python3 "$root/scripts/check-packaging.py" dump-package "$work/$form.json" "$form" "$version" || failed=1
    else
        bad "swift package dump-package ($form)" "$(head -5 "$work/$form.err")"
    fi
done
[ "$status" = 0 ] || failed=1
exit $failed
