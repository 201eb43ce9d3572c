#!/usr/bin/env bash
# The arm64 proof (issue #13): builds the library for aarch64-unknown-linux-gnu
# with the Android build's link flag (-z max-page-size=16384), checks with readelf
# that every LOAD segment is 16 KB aligned, and runs the Rust test suite on arm64
# under qemu-user. It proves the code on a weakly ordered architecture's
# instruction set and the link flags; it is glibc Linux arm64 under user-mode
# emulation, not an Android artifact (no bionic, no NDK).
#
# Debian 12 has no arm64 Rust std that rustup could fetch here, and Debian 13's
# rustc (1.85) is older than Cargo.lock needs (rusqlite 0.43 wants 1.89), so the
# build runs in a Debian 13 root (debootstrap, cached outside the work tree like
# the Swift root) with Debian 13's rustc-web 1.96 and its arm64 std
# (libstd-rust-web-dev:arm64), gcc-aarch64-linux-gnu and qemu-user.
# The tests spawn the arm64 CLI themselves, so for the run the script registers
# qemu-aarch64 with the kernel's binfmt_misc (fix-binary, so it works inside the
# root) and removes the registration again on exit.
# Needs root (debootstrap, chroot, mounts, binfmt_misc).
#   scripts/arm64.sh                 provision, build, readelf check, tests
#   scripts/arm64.sh --no-tests      provision, build, readelf check only
#   MINIAPP_AUTH_MODEL_CASES=2000 scripts/arm64.sh   fewer reference-model sequences
# Ends with `arm64: N passed, M failed, K skipped (qemu-aarch64 X.Y)`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/toolchains.sh
source "$root/scripts/toolchains.sh"

ARM64_SUITE="trixie"
ARM64_ROOT="$MINIAPP_AUTH_CACHE/arm64-root-$ARM64_SUITE"
ARM64_TARGET="aarch64-unknown-linux-gnu"
# rustc-web/cargo-web: Debian 13's newer Rust (1.96), with the arm64 std.
ARM64_PACKAGES=(rustc-web cargo-web libstd-rust-web-dev "libstd-rust-web-dev:arm64"
    gcc-aarch64-linux-gnu libc6-dev-arm64-cross "libc6:arm64" "libgcc-s1:arm64"
    qemu-user binutils ca-certificates mount libc6-dev gcc)
PAGE_FLAG="-C link-arg=-Wl,-z,max-page-size=16384"
# Build output stays in the work tree's target/ (like target/foreign-tests), apart
# from the host's own target/debug.
TARGET_DIR="$root/target/arm64"
BINFMT="/proc/sys/fs/binfmt_misc"
BINFMT_NAME="miniapp-auth-aarch64"

# The reference model's sequences (tests/model.rs). Its default, 100,000, takes
# about 2 minutes natively and far longer under qemu (still running after 10 min
# of emulation on 2 shared cores); MINIAPP_AUTH_MODEL_CASES sets it, as natively.
MODEL_CASES="${MINIAPP_AUTH_MODEL_CASES:-100000}"

# Tests that cannot run under qemu-user, skipped in this run only (each with why).
# None so far: every test passed under qemu-aarch64 10.0 on 2026-12-07, from a
# fresh machine (caller_handle's earlier failure here was the test's assumption,
# issue #21). The "ignored" and "filtered out" counts in the log are
# tests/erasure.rs, tests/lock_keeping.rs and tests/two_engines.rs running their
# own ignored tests in child processes, as they do natively.
SKIPS=()

run_tests=1
case "${1:-}" in
    "") ;;
    --no-tests) run_tests=0 ;;
    *) echo "usage: $0 [--no-tests]" >&2; exit 2 ;;
esac

arm64_fail() {
    echo "arm64: $*" >&2
    exit 1
}

# Sets up ARM64_ROOT once (debootstrap), then installs ARM64_PACKAGES whenever the
# list changed (the list is kept in .ready).
provision_arm64() {
    [ "$(id -u)" = 0 ] || arm64_fail "needs root (debootstrap, chroot, mounts, binfmt_misc)"
    local wanted
    wanted=$(printf '%s\n' "${ARM64_PACKAGES[@]}")
    if [ -f "$ARM64_ROOT/.ready" ] && [ "$(cat "$ARM64_ROOT/.ready")" = "$wanted" ]; then
        return 0
    fi
    if [ ! -f "$ARM64_ROOT/.ready" ]; then
        command -v debootstrap >/dev/null || apt_install debootstrap || exit 1
        local partial="$ARM64_ROOT.partial" mirror
        mirror=$(debian_mirror)
        echo "arm64: building a Debian $ARM64_SUITE root in $ARM64_ROOT (from $mirror)" >&2
        swift_unmount "$partial"
        rm -rf "$partial"
        mkdir -p "$MINIAPP_AUTH_CACHE"
        debootstrap --variant=minbase "$ARM64_SUITE" "$partial" "$mirror" >&2 \
            || arm64_fail "debootstrap $ARM64_SUITE failed"
        chroot "$partial" dpkg --add-architecture arm64
        rm -rf "$ARM64_ROOT"
        mv "$partial" "$ARM64_ROOT"
    fi
    echo "arm64: installing ${ARM64_PACKAGES[*]} in $ARM64_ROOT" >&2
    chroot "$ARM64_ROOT" apt-get update -qq >&2 || arm64_fail "apt-get update in the root failed"
    chroot "$ARM64_ROOT" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${ARM64_PACKAGES[@]}" >&2 || arm64_fail "installing the packages in the root failed"
    echo "$wanted" >"$ARM64_ROOT/.ready"
}

mounted=()
registered=0
mounted_binfmt=0
cleanup() {
    local i
    if [ "$registered" = 1 ] && [ -f "$BINFMT/$BINFMT_NAME" ]; then
        echo -1 >"$BINFMT/$BINFMT_NAME" || true
    fi
    if [ "$mounted_binfmt" = 1 ]; then
        umount "$BINFMT" || true
    fi
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        umount "${mounted[i]}" || umount -l "${mounted[i]}" || true
    done
}
trap cleanup EXIT

# /proc for rustc and the tests, and the work tree at its own path in the root.
mount_root() {
    if ! mountpoint -q "$ARM64_ROOT/proc"; then
        mount -t proc proc "$ARM64_ROOT/proc"
        mounted+=("$ARM64_ROOT/proc")
    fi
    mkdir -p "$ARM64_ROOT$root"
    if ! mountpoint -q "$ARM64_ROOT$root"; then
        mount --bind "$root" "$ARM64_ROOT$root"
        mounted+=("$ARM64_ROOT$root")
    fi
}

# Registers the root's qemu-aarch64 for arm64 ELF executables (F: the kernel opens
# it now, so it serves processes inside the root too); the newest entry wins.
register_binfmt() {
    if ! mountpoint -q "$BINFMT"; then
        mount -t binfmt_misc binfmt_misc "$BINFMT" || arm64_fail "cannot mount binfmt_misc"
        mounted_binfmt=1
    fi
    if [ ! -f "$BINFMT/$BINFMT_NAME" ]; then
        local magic mask
        magic='\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00'
        mask='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
        echo ":$BINFMT_NAME:M::$magic:$mask:$ARM64_ROOT/usr/bin/qemu-aarch64:F" >"$BINFMT/register" \
            || arm64_fail "cannot register qemu-aarch64 with binfmt_misc"
        registered=1
    fi
}

# Runs a command in the root, in the work tree, with the cross build's settings.
in_root() {
    # shellcheck disable=SC2016 # $1 and $@ belong to the inner bash
    chroot "$ARM64_ROOT" /usr/bin/env -i \
        PATH=/usr/local/bin:/usr/bin:/bin HOME=/root TERM=dumb \
        CARGO_HOME=/root/.cargo CARGO_TARGET_DIR="$TARGET_DIR" \
        MINIAPP_AUTH_MODEL_CASES="$MODEL_CASES" \
        CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
        CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS="$PAGE_FLAG" \
        CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER=qemu-aarch64 \
        CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc \
        AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar \
        bash -c 'cd "$1" && shift && exec "$@"' in_root "$root" "$@"
}

# Fails loudly unless every LOAD segment of the ELF file is 16 KB aligned.
check_alignment() {
    local file="$1" loads bad
    [ -f "$file" ] || arm64_fail "$file was not built"
    loads=$(in_root aarch64-linux-gnu-readelf -lW "$file" | grep -E '^ +LOAD ') \
        || arm64_fail "readelf found no LOAD segment in $file"
    echo "arm64: readelf -lW ${file#"$root"/} ($(in_root aarch64-linux-gnu-readelf -hW "$file" \
        | sed -n 's/^ *Machine: *//p')):"
    printf '%s\n' "$loads"
    bad=$(awk '$NF != "0x4000"' <<<"$loads")
    if [ -n "$bad" ]; then
        echo "arm64: MISALIGNED: LOAD segments of $file not aligned to 0x4000:" >&2
        printf '%s\n' "$bad" >&2
        exit 1
    fi
}

start=$(date +%s)
provision_arm64
# The crates come from the host's cargo (its network and trust store), into the
# root's cargo home; the root's cargo then builds offline.
CARGO_HOME="$ARM64_ROOT/root/.cargo" cargo fetch --locked --manifest-path "$root/Cargo.toml" >&2 \
    || arm64_fail "cargo fetch (on the host, into the root's cargo home) failed"
mount_root
in_root cargo --version
in_root rustc --version
in_root rustc --print target-libdir --target "$ARM64_TARGET" >/dev/null \
    || arm64_fail "rustc in the root has no $ARM64_TARGET std"

# The library as the Android build builds it (release, the page-size flag).
in_root cargo build --frozen --release --lib --target "$ARM64_TARGET" --no-default-features --features bundled-sqlite
check_alignment "$TARGET_DIR/$ARM64_TARGET/release/libminiapp_auth.so"
[ "$run_tests" = 1 ] || exit 0

register_binfmt
qemu=$(in_root qemu-aarch64 --version | head -1 | awk '{print $1, $3}')
log="$TARGET_DIR/test.log"
mkdir -p "$TARGET_DIR"
skip_args=()
for name in "${SKIPS[@]}"; do skip_args+=(--skip "$name"); done
set +e
in_root cargo test --frozen --target "$ARM64_TARGET" -- "${skip_args[@]}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# The test profile's CLI, which the tests ran, carries the same flag.
check_alignment "$TARGET_DIR/$ARM64_TARGET/debug/miniapp-auth"
passed=$(grep -E '^test result:' "$log" | awk '{s += $4} END {print s + 0}')
failed=$(grep -E '^test result:' "$log" | awk '{s += $6} END {print s + 0}')
if [ "$status" != 0 ] && [ "$failed" = 0 ]; then
    failed=1 # the suite could not run (build failed)
fi
elapsed=$(($(date +%s) - start))
echo "arm64: $passed passed, $failed failed, ${#SKIPS[@]} skipped ($qemu, $ARM64_TARGET, model $MODEL_CASES sequences, ${elapsed}s)"
[ "$status" = 0 ] && [ "$failed" = 0 ]
