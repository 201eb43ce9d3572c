#!/usr/bin/env bash
# Writes the licence notices of what the shipped library bundles
# (THIRD-PARTY-NOTICES.txt): every crate compiled into libminiapp_auth — the root
# package's normal dependencies with the library's features (bundled SQLite; not
# the CLI's inspector), on the Android and
# iOS targets it ships for — with the licence it is used under and each
# licence's text, and SQLite (public domain), which libsqlite3-sys compiles into
# it. Why a generator: the list follows Cargo.lock by itself, and nothing is
# kept by hand. cargo-about (pinned; installed once into the toolchain cache,
# never the work tree) renders about.hbs with about.toml; it fails when a crate's
# licence is not one about.toml accepts, or cannot be read or clarified.
#   scripts/notices.sh OUT_FILE
# scripts/release.sh ships the file in the Swift package and the Maven
# artifact; platforms/android/build-rust.sh puts it into the AAR;
# scripts/check-packaging.py checks that each artifact carries it and that it
# names every crate of `cargo tree -e normal` for those targets.
# Offline after `cargo fetch`: cargo-about reads the licence files packaged in
# the crates and fetches nothing from their repositories (this project's
# machines reach crates.io only).
# First run on a new machine: `cargo install` compiles cargo-about (659 s on 2
# cores shared with other builds, 2026-12-07); each run after that takes about
# 4 s of CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# = 1 ] || { echo "usage: $0 OUT_FILE" >&2; exit 2; }
out="$1"
version=0.9.3
cache="${MINIAPP_AUTH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/miniapp-auth}"
bin="$cache/cargo-about-$version/bin/cargo-about"
if ! [ -x "$bin" ]; then
    echo "notices: installing cargo-about $version into $cache (compiles it: several minutes, once)" >&2
    # The binary is behind the crate's `cli` feature.
    cargo install --locked --quiet --features cli --root "$cache/cargo-about-$version" cargo-about --version "$version" >&2
    [ -x "$bin" ] || { echo "notices: cargo install finished but $bin is not there" >&2; exit 1; }
fi
# Every crate of every target, so that the offline run finds the Android and
# iOS ones too.
cargo fetch --locked --quiet
mkdir -p "$(dirname "$out")"
# The library's features (SQLite bundled; the inspector is the CLI's, never linked into it).
"$bin" generate --frozen --fail --no-default-features --features bundled-sqlite \
    --manifest-path Cargo.toml --config about.toml \
    --output-file "$out.tmp" about.hbs
mv "$out.tmp" "$out"
echo "notices: $out ($(grep -c '^[A-Za-z0-9_-]* [0-9][^ ]*: ' "$out") crates)" >&2
