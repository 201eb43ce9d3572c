#!/usr/bin/env bash
# Runs every test: the Rust suite (cargo test), the sync backend's suite against a
# real PostgreSQL server, then the Kotlin, Swift and
# JavaScript suites against the real library and CLI, the grant inspector in a real
# headless chromium, and the packaging checks.
# Provisions kotlinc, JNA, the
# Swift root, TypeScript with WeChat's typings, the jsc shell, chromium with
# playwright-core and axe-core itself (cached in
# ~/.cache/miniapp-auth; scripts/toolchains.sh), and a throwaway PostgreSQL server.
#   ./test.sh                 everything
#   ./test.sh rust js         only some suites (rust, sync, bench, ffi, kotlin, swift, js, browser, packaging, fuzz)
# The bench, ffi and fuzz suites are smoke runs (each benchmark once, 200 FFI calls
# a language, each fuzz target 10 s); `cargo bench`, benches/ffi/run.sh and
# scripts/fuzz.sh run the real thing.
set -uo pipefail
cd "$(dirname "$0")"
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(rust sync bench ffi kotlin swift js browser packaging fuzz)
mkdir -p target/test-logs
summary=()
total_passed=0
total_failed=0
broken=0
# Set once this run's rust suite has built the debug library and CLI (the later
# suites and scripts/toolchains.sh's generate_test_bindings then take them as
# built); never inherited from the caller, whose library may be stale.
unset MINIAPP_AUTH_LIB_BUILT

record() { # suite, passed, failed, exit status
    local passed=${2:-0} failed=${3:-0}
    if [ "$4" != 0 ] && [ "$failed" = 0 ]; then
        failed=1 # the suite could not run (build or provisioning failed)
    fi
    summary+=("$1: $passed passed, $failed failed ($((SECONDS - suite_started)) s)")
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
    [ "$4" = 0 ] || broken=1
}

for suite in "${suites[@]}"; do
    log="target/test-logs/$suite.log"
    suite_started=$SECONDS
    echo "=== $suite"
    case "$suite" in
        rust)
            # cargo-nextest (on this project's machines) runs the test binaries
            # side by side — the reference model's two halves beside the rest —
            # where `cargo test` runs them one after another; the same tests
            # (the crate has no doc-tests). Without it, `cargo test`.
            if command -v cargo-nextest >/dev/null; then
                cargo nextest run --no-fail-fast 2>&1 | tee "$log"
                status=${PIPESTATUS[0]}
                summary_line=$(grep -E '^ *Summary \[' "$log" | tail -1)
                passed=$(echo "$summary_line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+')
                failed=$(echo "$summary_line" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+')
            else
                cargo test 2>&1 | tee "$log"
                status=${PIPESTATUS[0]}
                passed=$(grep -E '^test result:' "$log" | awk '{s += $4} END {print s + 0}')
                failed=$(grep -E '^test result:' "$log" | awk '{s += $6} END {print s + 0}')
            fi
            # Its build holds the debug library and CLI the later suites load:
            # they do not build them again (a plain `cargo build` turns on
            # other features in the same output files, and the next test build
            # had to rebuild them).
            if grep -qE '^ *Summary \[|^test result:' "$log"; then
                export MINIAPP_AUTH_LIB_BUILT=1
            fi
            record rust "${passed:-0}" "${failed:-0}" "$status"
            ;;
        sync)
            # The reference sync backend (docs/sync/*.sql) on a fresh PostgreSQL
            # server in a temp dir (socket only), stopped on exit even on failure;
            # tests/sync_backend.rs's and tests/sync_convergence.rs's tests are
            # #[ignore]d without it (their child_ helpers run only in a process
            # a test starts).
            (
                source scripts/toolchains.sh || exit 1
                trap 'stop_postgres' EXIT
                trap 'exit 130' INT TERM
                provision_postgres || exit 1
                cargo test --test sync_backend --test sync_convergence -- --include-ignored --skip child_
            ) 2>&1 | tee "$log"
            status=${PIPESTATUS[0]}
            passed=$(grep -E '^test result:' "$log" | awk '{s += $4} END {print s + 0}')
            failed=$(grep -E '^test result:' "$log" | awk '{s += $6} END {print s + 0}')
            record sync "$passed" "$failed" "$status"
            ;;
        bench)
            MINIAPP_AUTH_BENCH_MAX_GRANTS=10000 cargo test --benches 2>&1 | tee "$log"
            status=${PIPESTATUS[0]}
            passed=$(grep -cE '^(Success|memory: peak)' "$log")
            failed=$(grep -cE '^(FAILED|thread .* panicked)' "$log")
            record bench "$passed" "$failed" "$status"
            ;;
        ffi)
            # The smoke run uses the debug library the kotlin and swift suites use.
            [ -n "${MINIAPP_AUTH_LIB_BUILT:-}" ] || cargo build --lib --bins >/dev/null 2>&1 || cargo build --lib --bins
            bash benches/ffi/run.sh all --smoke 2>&1 | tee "$log"
            status=${PIPESTATUS[0]}
            passed=$(grep -cE '^ffi: (kotlin|swift): smoke run ok ' "$log")
            record ffi "$passed" $((2 - passed)) "$status"
            ;;
        kotlin | swift)
            # Both need the debug library and CLI that `cargo test` builds.
            [ -n "${MINIAPP_AUTH_LIB_BUILT:-}" ] || cargo build --lib --bins >/dev/null 2>&1 || cargo build --lib --bins
            bash "tests/$suite/run.sh" 2>&1 | tee "$log"
            status=${PIPESTATUS[0]}
            passed=$(grep -E "^$suite: [0-9]+ passed" "$log" | awk '{s += $2} END {print s + 0}')
            failed=$(grep -E "^$suite: [0-9]+ passed" "$log" | awk '{s += $4} END {print s + 0}')
            record "$suite" "$passed" "$failed" "$status"
            ;;
        js)
            # TypeScript + WeChat's typings, and JavaScriptCore's jsc (cached). The
            # declarations are checked by tests/js/package.test.js (tsc --strict on
            # tests/js/types/ in fresh projects the packed package is installed into).
            if ! (source scripts/toolchains.sh && provision_js && env | grep -E '^(TS_MODULES|API_TYPINGS_TARBALL|JSC|FRAMEWORKS)=') >"$log.env" 2>"$log.provision"; then
                cat "$log.provision"
                record js 0 1 1
                continue
            fi
            export $(cat "$log.env")
            [ -n "${MINIAPP_AUTH_LIB_BUILT:-}" ] || cargo build --bins >/dev/null 2>&1 || cargo build --bins
            node --test --test-concurrency=4 tests/js/ 2>&1 | tee "$log"
            status=${PIPESTATUS[0]}
            passed=$(grep -E '^# pass ' "$log" | awk '{print $3 + 0}')
            failed=$(grep -E '^# fail ' "$log" | awk '{print $3 + 0}')
            record js "$passed" "$failed" "$status"
            ;;
        browser)
            # The grant inspector (`miniapp-auth inspect`) in Debian's chromium,
            # headless, driven by playwright-core; axe-core checks each view. The
            # screenshots of each view are kept outside the work tree.
            if ! (source scripts/toolchains.sh && provision_browser && env | grep -E '^(CHROMIUM|BROWSER_MODULES)=') >"$log.env" 2>"$log.provision"; then
                cat "$log.provision"
                record browser 0 1 1
                continue
            fi
            export $(cat "$log.env")
            export MINIAPP_AUTH_ARTIFACTS="${MINIAPP_AUTH_ARTIFACTS:-$HOME/.cache/miniapp-auth/artifacts}"
            [ -n "${MINIAPP_AUTH_LIB_BUILT:-}" ] || cargo build --bins >/dev/null 2>&1 || cargo build --bins
            node --test tests/browser/ 2>&1 | tee "$log"
            status=${PIPESTATUS[0]}
            passed=$(grep -E '^# pass ' "$log" | awk '{print $3 + 0}')
            # A test cut short by its timeout (a hung browser call) is "cancelled".
            failed=$(grep -E '^# (fail|cancelled) ' "$log" | awk '{s += $3} END {print s + 0}')
            echo "browser: screenshots of each view in $MINIAPP_AUTH_ARTIFACTS/inspector/"
            record browser "$passed" "$failed" "$status"
            ;;
        packaging)
            # scripts/release.sh --partial in a scratch copy, its checks, and
            # `swift package dump-package` in the Swift root (tests/packaging/run.sh).
            cargo build --lib >/dev/null 2>&1 || cargo build --lib
            bash tests/packaging/run.sh 2>&1 | tee "$log"
            status=${PIPESTATUS[0]}
            passed=$(grep -cE '^packaging: .*: ok' "$log")
            failed=$(grep -cE '^packaging: .*: FAILED' "$log")
            record packaging "$passed" "$failed" "$status"
            ;;
        fuzz)
            bash scripts/fuzz.sh 10 2>&1 | tee "$log"
            status=${PIPESTATUS[0]}
            passed=$(grep -cE '^fuzz: [a-z_]+: .* no crash$' "$log")
            failed=$(grep -cE '^fuzz: [a-z_]+: .* (CRASH|DID NOT RUN)' "$log")
            record fuzz "$passed" "$failed" "$status"
            ;;
        *)
            echo "unknown suite $suite (rust, sync, bench, ffi, kotlin, swift, js, browser, packaging, fuzz)" >&2
            exit 2
            ;;
    esac
done

echo "=== summary"
printf '%s\n' "${summary[@]}"
echo "all: $total_passed passed, $total_failed failed ($SECONDS s)"
[ "$broken" = 0 ] && [ "$total_failed" = 0 ]
