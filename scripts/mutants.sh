#!/usr/bin/env bash
# Mutation testing of the files where the promises live (issue #20): the
# policy, what a privacy agreement covers, decisions, the one door and the
# record links. Runs cargo-mutants (installed once into the toolchain cache,
# never the work tree) and prints each missed mutant; its last score is
# written down in docs/reliability.md. Not part of ./test.sh: every mutant
# builds the crate and runs the tests that guard these files, over an hour on
# two cores for all of them.
#   scripts/mutants.sh                       every rule file
#   scripts/mutants.sh src/store/record_links.rs   one of them
# Extra cargo-mutants options may follow `--`, e.g. `-- --shard 1/4`.
# MINIAPP_AUTH_MUTANTS_TESTS replaces the test selection (e.g. "--lib --test door").
set -euo pipefail
cd "$(dirname "$0")/.."
version=27.1.0
cache="${MINIAPP_AUTH_CACHE:-$HOME/.cache/miniapp-auth}"
bin="$cache/cargo-mutants-$version/bin/cargo-mutants"
if ! [ -x "$bin" ]; then
    echo "mutants: installing cargo-mutants $version into $cache" >&2
    cargo install --locked --quiet --root "$cache/cargo-mutants-$version" cargo-mutants --version "$version"
fi
files=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    files+=("$1")
    shift
done
[ "${1:-}" = "--" ] && shift
[ ${#files[@]} -gt 0 ] || files=(
    src/policy.rs
    src/privacy_agreement.rs
    src/decisions.rs
    src/store/door/mod.rs
    src/store/door/statements.rs
    src/store/record_links.rs
)
args=()
for file in "${files[@]}"; do
    args+=(--file "$file")
done
# The tests that guard these files: the unit tests, the door's, the attacker
# model's, the tampering and late-answer tests, the policy's behaviour tests.
tests=(--lib --test door --test writers --test tampering --test consent_log
    --test late_answers --test model_attacker --test subscriptions --test privacy
    --test authorize --test settings --test grant_import --test erasure)
if [ -n "${MINIAPP_AUTH_MUTANTS_TESTS:-}" ]; then
    read -r -a tests <<<"$MINIAPP_AUTH_MUTANTS_TESTS"
fi
MINIAPP_AUTH_MODEL_CASES=2000 "$bin" mutants "${args[@]}" --output target/mutants \
    --timeout 300 "$@" -- "${tests[@]}"
