#!/usr/bin/env bash
# Runs the cargo-fuzz targets (fuzz/fuzz_targets): the bridge JSON, the manifest
# parser and the JSON-lines protocol, side by side, each for SECONDS of one
# core's time (default 300), starting
# from the committed corpus in fuzz/corpus (new inputs go to target/fuzz-corpus,
# not the work tree). Prints executions and findings per target; exits non-zero
# on a crash (its input is kept under fuzz/artifacts/).
#   scripts/fuzz.sh            the long run (5 minutes a target)
#   scripts/fuzz.sh 10         a smoke run (./test.sh fuzz)
#   scripts/fuzz.sh 60 manifest    one target
# cargo-fuzz needs libFuzzer's sanitizer flags, which stable Rust accepts with
# RUSTC_BOOTSTRAP=1; cargo-fuzz itself is installed into ~/.cargo/bin if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-300}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(bridge_call manifest json_lines)
export RUSTC_BOOTSTRAP=1
# The sanitizer build (SQLite and every dependency with AddressSanitizer: about
# 3.5 minutes on 2 cores) is kept outside the work tree, with the toolchains, so
# a new clone rebuilds only this project's own crates.
export CARGO_TARGET_DIR="${MINIAPP_AUTH_FUZZ_TARGET:-${MINIAPP_AUTH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/miniapp-auth}/fuzz-target}"
mkdir -p "$CARGO_TARGET_DIR"
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz 0.13.2" >&2
    cargo install cargo-fuzz --version 0.13.2 --locked >&2 \
        || { echo "fuzz: cannot install cargo-fuzz" >&2; exit 1; }
fi
# The targets run side by side, each given SECONDS of one core's time: with
# fewer cores than targets each runs longer (3 targets on 2 cores: 1.5 x SECONDS
# of wall time each, the same executions as one after another, in half the wall
# time). Built once first, so the runs do not queue on cargo's build lock.
cores=$(nproc 2>/dev/null || echo 1)
wall=$(( (seconds * ${#targets[@]} + cores - 1) / cores ))
[ "$wall" -ge "$seconds" ] || wall=$seconds
for target in "${targets[@]}"; do
    cargo fuzz build "$target" >&2 || { echo "fuzz: $target: DID NOT RUN (the build failed)"; exit 1; }
done
status=0
total=0
logs=()
for target in "${targets[@]}"; do
    work="target/fuzz-corpus/$target"
    mkdir -p "$work"
    log="target/fuzz-corpus/$target-$$.log"
    logs+=("$log")
    (
        cargo fuzz run "$target" "$work" "fuzz/corpus/$target" -- \
            -max_total_time="$wall" -print_final_stats=1 >"$log" 2>&1
        echo $? >"$log.status"
    ) &
done
wait
for i in "${!targets[@]}"; do
    target=${targets[$i]}
    log=${logs[$i]}
    if [ "$(cat "$log.status" 2>/dev/null)" = 0 ]; then
        result="no crash"
    else
        result="CRASH (see $log and fuzz/artifacts/$target)"
        status=1
    fi
    # -a: the log holds the fuzzer's raw inputs, which grep would call binary.
    runs=$(grep -a -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
    if [ "${runs:-0}" -eq 0 ] && [ "$result" = "no crash" ]; then
        result="DID NOT RUN (see $log)"
        status=1
    fi
    total=$((total + ${runs:-0}))
    echo "fuzz: $target: ${runs:-0} executions in ${wall}s beside ${#targets[@]} targets on $cores cores, $result"
done
echo "fuzz: $total executions in all"
exit $status
