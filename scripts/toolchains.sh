#!/usr/bin/env bash
# Provisions the foreign toolchains the binding tests need, idempotently, in a
# cache outside the work tree (MINIAPP_AUTH_CACHE, default ~/.cache/miniapp-auth):
#   kotlin  kotlinc (npm package kotlin-compiler) and JNA (Debian's libjna-java)
#   swift   a Debian 13 root with swiftlang (debootstrap), for swiftc on Debian 12
#   js      TypeScript and WeChat's miniprogram-api-typings (npm; installed, and its
#           tarball for the package test's fresh projects), JavaScriptCore's
#           jsc shell (Debian's libjavascriptcoregtk-4.0-bin), and real mini-app
#           framework API layers (miniprogram-api-promise, Mpx, Taro, uni-app; npm),
#           bundled with esbuild as a mini-app build would, for the JS suite
#   postgres a throwaway PostgreSQL server for the sync suite (Debian's postgresql)
#   browser Debian's chromium (headless) and npm's playwright-core (which drives it and
#           downloads no browser) and axe-core, for the grant inspector's browser suite
# Usage: scripts/toolchains.sh kotlin|swift|js|postgres|browser|all   (prints what it provisioned)
# Sourced, it defines provision_kotlin / provision_swift and the paths they set.
set -euo pipefail

MINIAPP_AUTH_CACHE="${MINIAPP_AUTH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/miniapp-auth}"
KOTLIN_VERSION="2.4.20"
TYPESCRIPT_VERSION="5.9.3"
API_TYPINGS_VERSION="5.2.3"
# Mini-app framework API layers the JS suite runs over the real bridge (pinned).
FRAMEWORK_PACKAGES=(miniprogram-api-promise@1.0.4 @mpxjs/api-proxy@2.10.20 @mpxjs/utils@2.10.20
    @tarojs/api@4.2.1 @tarojs/shared@4.2.1 @tarojs/runtime@4.2.1 @tarojs/plugin-platform-weapp@4.2.1
    @dcloudio/uni-mp-weixin@2.0.0 @vue/shared@3.5.45 esbuild@0.25.12)
# The build-time constants Taro's build defines for a WeChat mini app.
TARO_DEFINES=(--define:process.env.TARO_ENV='"weapp"' --define:process.env.TARO_PLATFORM='"mini"'
    --define:process.env.FRAMEWORK='"react"' --define:process.env.NODE_ENV='"production"'
    --define:process.env.SUPPORT_TARO_POLYFILL='"disabled"' --define:ENABLE_INNER_HTML=false
    --define:ENABLE_ADJACENT_HTML=false --define:ENABLE_SIZE_APIS=false --define:ENABLE_TEMPLATE_CONTENT=false
    --define:ENABLE_CLONE_NODE=false --define:ENABLE_CONTAINS=false --define:ENABLE_MUTATION_OBSERVER=false)
# The browser suite's driver (pointed at Debian's chromium) and accessibility checker.
PLAYWRIGHT_CORE_VERSION="1.65.1"
AXE_CORE_VERSION="4.14.1"
SWIFT_SUITE="trixie"
JNA_JAR="/usr/share/java/jna.jar"

toolchain_fail() {
    echo "toolchains: $*" >&2
    return 1
}

# Runs apt-get as root (directly, or through sudo when there is one).
apt_install() {
    local runner=()
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || toolchain_fail "installing $* needs root (apt-get); run as root or install it yourself" || return 1
        runner=(sudo)
    fi
    if [ ! -f "$MINIAPP_AUTH_CACHE/.apt-updated" ]; then
        "${runner[@]}" apt-get update -qq >&2 || toolchain_fail "apt-get update failed" || return 1
        mkdir -p "$MINIAPP_AUTH_CACHE" && touch "$MINIAPP_AUTH_CACHE/.apt-updated"
    fi
    DEBIAN_FRONTEND=noninteractive "${runner[@]}" apt-get install -y -qq --no-install-recommends "$@" >&2 \
        || toolchain_fail "apt-get install $* failed"
}

# Sets KOTLIN_HOME (with bin/kotlinc and lib/*.jar) and JNA_JAR.
provision_kotlin() {
    local dir="$MINIAPP_AUTH_CACHE/kotlin-$KOTLIN_VERSION"
    KOTLIN_HOME="$dir/node_modules/kotlin-compiler"
    if [ ! -x "$KOTLIN_HOME/bin/kotlinc" ]; then
        command -v npm >/dev/null || toolchain_fail "npm is needed to fetch kotlinc (package kotlin-compiler)" || return 1
        echo "toolchains: installing kotlin-compiler@$KOTLIN_VERSION into $dir" >&2
        rm -rf "$dir"
        mkdir -p "$dir"
        npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "kotlin-compiler@$KOTLIN_VERSION" >&2 \
            || toolchain_fail "npm install kotlin-compiler@$KOTLIN_VERSION failed" || return 1
        chmod +x "$KOTLIN_HOME"/bin/* 2>/dev/null || true
    fi
    command -v java >/dev/null || toolchain_fail "a Java runtime (java) is needed for Kotlin/JVM" || return 1
    if [ ! -f "$JNA_JAR" ]; then
        echo "toolchains: installing libjna-java" >&2
        apt_install libjna-java || return 1
    fi
    export KOTLIN_HOME JNA_JAR
}

# The Debian mirror apt already uses on this machine.
debian_mirror() {
    local uri
    uri=$(grep -rhoE '^URIs: *https?://[^ ]+/debian/?$' /etc/apt/sources.list.d/ 2>/dev/null | head -1 | sed 's/^URIs: *//')
    [ -n "$uri" ] || uri=$(grep -rhoE '^deb +https?://[^ ]+/debian/? ' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | head -1 | awk '{print $2}')
    [ -n "$uri" ] || uri="http://deb.debian.org/debian"
    echo "$uri"
}

# Sets SWIFT_ROOT: a Debian 13 root with swiftc at /usr/bin/swiftc.
provision_swift() {
    SWIFT_ROOT="$MINIAPP_AUTH_CACHE/swift-root-$SWIFT_SUITE"
    if [ -f "$SWIFT_ROOT/.ready" ]; then
        export SWIFT_ROOT
        return 0
    fi
    [ "$(id -u)" = 0 ] || toolchain_fail "building the Swift root needs root (debootstrap, chroot)" || return 1
    command -v debootstrap >/dev/null || apt_install debootstrap || return 1
    local partial="$SWIFT_ROOT.partial" mirror
    mirror=$(debian_mirror)
    echo "toolchains: building a Debian $SWIFT_SUITE root with swiftlang in $SWIFT_ROOT (from $mirror)" >&2
    swift_unmount "$partial"
    rm -rf "$partial"
    mkdir -p "$MINIAPP_AUTH_CACHE"
    debootstrap --variant=minbase "$SWIFT_SUITE" "$partial" "$mirror" >&2 \
        || toolchain_fail "debootstrap $SWIFT_SUITE failed" || return 1
    chroot "$partial" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        swiftlang libc6-dev >&2 || toolchain_fail "installing swiftlang in the $SWIFT_SUITE root failed" || return 1
    rm -rf "$SWIFT_ROOT"
    mv "$partial" "$SWIFT_ROOT"
    touch "$SWIFT_ROOT/.ready"
    export SWIFT_ROOT
}

# Generates the Kotlin and Swift bindings from the debug library into
# target/foreign-tests (sets FOREIGN_TESTS to that folder), for the binding tests.
# Compiled test programs, kept by the hash of everything they are built from
# (./test.sh need not recompile what did not change). Usage:
#   key=$(inputs_hash FILE... -- EXTRA-TEXT...)   a name for the inputs
#   build_cache_restore NAME KEY DIR               copy a kept build into DIR (fails if none)
#   build_cache_keep NAME KEY DIR                  keep DIR's build as NAME's only one
inputs_hash() {
    local files=() extra=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do files+=("$1"); shift; done
    [ $# -gt 0 ] && shift
    extra=("$@")
    # Files are named relative to the checkout, so that another clone of the
    # same sources finds the same builds (a key that must stay tied to one
    # checkout's path says so in its extra lines).
    local top
    top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    { printf '%s\n' "${extra[@]}"; for f in "${files[@]}"; do printf '%s\n' "${f#"$top"/}"; cat "$f"; done; } \
        | sha256sum | cut -c1-32
}
build_cache_restore() { # name, key, dir
    local kept="$MINIAPP_AUTH_CACHE/builds/$1/$2"
    [ -f "$kept/.complete" ] || return 1
    mkdir -p "$3" && cp -a "$kept/." "$3/" && rm -f "$3/.complete"
}
build_cache_keep() { # name, key, dir
    local kept="$MINIAPP_AUTH_CACHE/builds/$1"
    rm -rf "$kept" && mkdir -p "$kept/$2" && cp -a "$3/." "$kept/$2/" && touch "$kept/$2/.complete"
}

generate_test_bindings() {
    local root
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    FOREIGN_TESTS="$root/target/foreign-tests"
    mkdir -p "$FOREIGN_TESTS"
    # ./test.sh's rust suite built the debug library already (with the test
    # build's features): building it again here with others would make the
    # next test build rebuild it (MINIAPP_AUTH_LIB_BUILT, set by test.sh).
    local prebuilt=()
    if [ "${MINIAPP_AUTH_LIB_BUILT:-}" = 1 ] && [ -f "$root/target/debug/libminiapp_auth.so" ]; then
        prebuilt=(--prebuilt)
    fi
    "$root/scripts/generate-bindings.sh" --profile debug --out "$FOREIGN_TESTS" "${prebuilt[@]}" \
        >"$FOREIGN_TESTS/generate.log" 2>&1 \
        || { cat "$FOREIGN_TESTS/generate.log" >&2; toolchain_fail "generating the bindings failed"; }
}

# Sets TS_MODULES (node_modules with typescript and miniprogram-api-typings) and JSC.
provision_js() {
    local dir="$MINIAPP_AUTH_CACHE/ts-$TYPESCRIPT_VERSION-typings-$API_TYPINGS_VERSION"
    TS_MODULES="$dir/node_modules"
    if [ ! -x "$TS_MODULES/.bin/tsc" ] || [ ! -d "$TS_MODULES/miniprogram-api-typings" ]; then
        command -v npm >/dev/null || toolchain_fail "npm is needed to fetch typescript and miniprogram-api-typings" || return 1
        echo "toolchains: installing typescript@$TYPESCRIPT_VERSION miniprogram-api-typings@$API_TYPINGS_VERSION into $dir" >&2
        rm -rf "$dir"
        mkdir -p "$dir"
        npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
            "typescript@$TYPESCRIPT_VERSION" "miniprogram-api-typings@$API_TYPINGS_VERSION" >&2 \
            || toolchain_fail "npm install typescript miniprogram-api-typings failed" || return 1
    fi
    # The typings' registry tarball, which the package test installs offline
    # into fresh projects beside the packed module (tests/js/package.test.js).
    API_TYPINGS_TARBALL="$dir/miniprogram-api-typings-$API_TYPINGS_VERSION.tgz"
    if [ ! -f "$API_TYPINGS_TARBALL" ]; then
        echo "toolchains: fetching the miniprogram-api-typings@$API_TYPINGS_VERSION tarball into $dir" >&2
        local packed # a folder of this run's own (another checkout's suite may provision too)
        packed=$(mktemp -d "$dir/pack.XXXXXX")
        (cd "$packed" && npm pack --loglevel=error "miniprogram-api-typings@$API_TYPINGS_VERSION" >&2) \
            || toolchain_fail "npm pack miniprogram-api-typings@$API_TYPINGS_VERSION failed" || return 1
        mv "$packed/miniprogram-api-typings-$API_TYPINGS_VERSION.tgz" "$API_TYPINGS_TARBALL"
        rm -rf "$packed"
    fi
    # The frameworks, bundled to CommonJS as a mini-app build bundles them
    # (their sources are bundler-style ES modules).
    FRAMEWORKS="$MINIAPP_AUTH_CACHE/frameworks-3"
    if [ ! -f "$FRAMEWORKS/bundles/mpx-api-proxy.js" ] || [ ! -f "$FRAMEWORKS/bundles/miniprogram-api-promise.js" ] \
        || [ ! -f "$FRAMEWORKS/bundles/taro.js" ] || [ ! -f "$FRAMEWORKS/bundles/uni-app.js" ]; then
        echo "toolchains: installing ${FRAMEWORK_PACKAGES[*]} into $FRAMEWORKS" >&2
        rm -rf "$FRAMEWORKS"
        mkdir -p "$FRAMEWORKS/bundles"
        npm install --prefix "$FRAMEWORKS" --no-audit --no-fund --loglevel=error "${FRAMEWORK_PACKAGES[@]}" >&2 \
            || toolchain_fail "npm install ${FRAMEWORK_PACKAGES[*]} failed" || return 1
        local esbuild="$FRAMEWORKS/node_modules/.bin/esbuild" modules="$FRAMEWORKS/node_modules"
        "$esbuild" "$modules/miniprogram-api-promise/src/index.js" --bundle --format=cjs \
            --platform=neutral --main-fields=module,main --log-level=warning \
            --outfile="$FRAMEWORKS/bundles/miniprogram-api-promise.js" >&2 \
            || toolchain_fail "bundling miniprogram-api-promise failed" || return 1
        # Mpx's build defines __mpx_mode__ (the platform) at compile time.
        "$esbuild" "$modules/@mpxjs/api-proxy/src/index.js" --bundle --format=cjs \
            --platform=neutral --main-fields=module,main --log-level=warning \
            --define:__mpx_mode__='"wx"' --define:__mpx_env__='""' \
            --outfile="$FRAMEWORKS/bundles/mpx-api-proxy.js" >&2 \
            || toolchain_fail "bundling @mpxjs/api-proxy failed" || return 1
        local root
        root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
        NODE_PATH="$modules" "$esbuild" "$root/tests/js/frameworks/taro-entry.js" --bundle --format=cjs \
            --platform=neutral --main-fields=module,main --log-level=error "${TARO_DEFINES[@]}" \
            --outfile="$FRAMEWORKS/bundles/taro.js" >&2 \
            || toolchain_fail "bundling Taro's API layer failed" || return 1
        # uni-app's WeChat API layer (the `uni` object over `wx`); its Vue 3 build
        # defines __UNI_PROMISE_API__ false (Promises resolve with the result).
        "$esbuild" "$modules/@dcloudio/uni-mp-weixin/dist/uni.api.esm.js" --bundle --format=cjs \
            --platform=neutral --main-fields=module,main --log-level=warning \
            --define:process.env.NODE_ENV='"production"' --define:__UNI_PROMISE_API__=false \
            --outfile="$FRAMEWORKS/bundles/uni-app.js" >&2 \
            || toolchain_fail "bundling uni-app's API layer failed" || return 1
    fi
    JSC="$(command -v jsc || true)"
    if [ -z "$JSC" ]; then
        echo "toolchains: installing libjavascriptcoregtk-4.0-bin (the jsc shell)" >&2
        apt_install libjavascriptcoregtk-4.0-bin || return 1
        JSC="$(command -v jsc)" || toolchain_fail "jsc not found after installing it" || return 1
    fi
    export TS_MODULES API_TYPINGS_TARBALL JSC FRAMEWORKS
}

# Sets CHROMIUM (Debian's chromium; apt-installed when missing) and BROWSER_MODULES
# (a node_modules folder with playwright-core and axe-core, pinned, cached).
provision_browser() {
    CHROMIUM="/usr/bin/chromium"
    if [ ! -x "$CHROMIUM" ]; then
        echo "toolchains: installing chromium" >&2
        apt_install chromium || return 1
        [ -x "$CHROMIUM" ] || toolchain_fail "$CHROMIUM not found after installing chromium" || return 1
    fi
    local dir="$MINIAPP_AUTH_CACHE/browser-playwright-core-$PLAYWRIGHT_CORE_VERSION-axe-core-$AXE_CORE_VERSION"
    BROWSER_MODULES="$dir/node_modules"
    if [ ! -f "$BROWSER_MODULES/playwright-core/package.json" ] || [ ! -f "$BROWSER_MODULES/axe-core/axe.min.js" ]; then
        command -v npm >/dev/null || toolchain_fail "npm is needed to fetch playwright-core and axe-core" || return 1
        echo "toolchains: installing playwright-core@$PLAYWRIGHT_CORE_VERSION axe-core@$AXE_CORE_VERSION into $dir" >&2
        mkdir -p "$MINIAPP_AUTH_CACHE"
        local partial # a folder of this run's own (another checkout's suite may provision too)
        partial=$(mktemp -d "$dir.partial.XXXXXX")
        # playwright-core has no install script and fetches no browser; the
        # variable keeps any other package from trying.
        PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$partial" --no-audit --no-fund --loglevel=error \
            "playwright-core@$PLAYWRIGHT_CORE_VERSION" "axe-core@$AXE_CORE_VERSION" >&2 \
            || { rm -rf "$partial"; toolchain_fail "npm install playwright-core axe-core failed"; } || return 1
        rm -rf "$dir"
        mv "$partial" "$dir" 2>/dev/null || rm -rf "$partial" # another run got there first: keep its copy
    fi
    export CHROMIUM BROWSER_MODULES
}

# PostgreSQL for the sync suite: the reference sync backend (docs/sync/*.sql).
# provision_postgres starts a fresh server in a temp dir (a Unix socket there, no
# TCP), creates the schema, and exports MINIAPP_AUTH_PG_HOST (the socket dir),
# MINIAPP_AUTH_PG_PORT, MINIAPP_AUTH_PG_USER, MINIAPP_AUTH_PG_DB, PG_BIN (its
# binaries, also put first on PATH) and PG_TEMP_DIR; stop_postgres stops it and
# removes the dir. PostgreSQL refuses to run as root: as root, the server runs as
# the system user miniapp-pg (created when missing); otherwise as the current user.
PG_OS_USER="miniapp-pg"
PG_ROLE="miniapp"
PG_DATABASE="miniapp_sync"
PG_PORT="5432" # names the socket file only (.s.PGSQL.5432): there is no TCP

# Sets PG_BIN: the folder with initdb, pg_ctl and psql (installs postgresql if none).
find_postgres_bin() {
    local initdb
    initdb=$(command -v initdb || true)
    [ -n "$initdb" ] || initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1)
    if [ -z "$initdb" ]; then
        echo "toolchains: installing postgresql" >&2
        apt_install postgresql || return 1
        initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1)
        [ -n "$initdb" ] || toolchain_fail "initdb not found after installing postgresql" || return 1
    fi
    PG_BIN=$(dirname "$(readlink -f "$initdb")")
    [ -x "$PG_BIN/pg_ctl" ] && [ -x "$PG_BIN/psql" ] || toolchain_fail "no pg_ctl or psql beside $initdb" || return 1
}

# Runs a command as the server's OS user, in the server's temp dir.
as_pg_user() {
    if [ "$(id -u)" = 0 ]; then
        (cd "$PG_TEMP_DIR" && runuser -u "$PG_OS_USER" -- "$@")
    else
        (cd "$PG_TEMP_DIR" && "$@")
    fi
}

provision_postgres() {
    # Already started by this shell: keep that one.
    if [ -n "${PG_TEMP_DIR:-}" ] && [ -f "$PG_TEMP_DIR/data/postmaster.pid" ] && [ -n "${MINIAPP_AUTH_PG_HOST:-}" ]; then
        return 0
    fi
    find_postgres_bin || return 1
    if [ "$(id -u)" = 0 ] && ! id -u "$PG_OS_USER" >/dev/null 2>&1; then
        echo "toolchains: creating the system user $PG_OS_USER (PostgreSQL refuses to run as root)" >&2
        useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_OS_USER" \
            || toolchain_fail "useradd $PG_OS_USER failed" || return 1
    fi
    PG_TEMP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/miniapp-pg.XXXXXX")
    export PG_TEMP_DIR
    if [ "$(id -u)" = 0 ]; then
        chown "$PG_OS_USER:" "$PG_TEMP_DIR" || return 1
    fi
    chmod 700 "$PG_TEMP_DIR"
    local started
    started=$(date +%s%N)
    as_pg_user "$PG_BIN/initdb" --pgdata="$PG_TEMP_DIR/data" --auth=trust --username="$PG_ROLE" \
        --encoding=UTF8 --locale=C.UTF-8 >"$PG_TEMP_DIR/initdb.log" 2>&1 \
        || { cat "$PG_TEMP_DIR/initdb.log" >&2; toolchain_fail "initdb failed"; } || return 1
    # -k: the socket in the temp dir; listen_addresses='': no TCP at all.
    as_pg_user "$PG_BIN/pg_ctl" start --wait --timeout=60 --pgdata="$PG_TEMP_DIR/data" \
        --log="$PG_TEMP_DIR/server.log" \
        -o "-k $PG_TEMP_DIR -p $PG_PORT -c listen_addresses='' -c fsync=on" >/dev/null \
        || { cat "$PG_TEMP_DIR/server.log" >&2; toolchain_fail "pg_ctl start failed"; } || return 1
    local tries=0
    until "$PG_BIN/pg_isready" -q -h "$PG_TEMP_DIR" -p "$PG_PORT" -U "$PG_ROLE" -d postgres; do
        tries=$((tries + 1))
        [ "$tries" -lt 100 ] || toolchain_fail "the server in $PG_TEMP_DIR is not ready after 10 s" || return 1
        sleep 0.1
    done
    local root
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    "$PG_BIN/psql" -X -q -h "$PG_TEMP_DIR" -p "$PG_PORT" -U "$PG_ROLE" -d postgres -v ON_ERROR_STOP=1 \
        -c "CREATE DATABASE $PG_DATABASE" >&2 || toolchain_fail "CREATE DATABASE failed" || return 1
    "$PG_BIN/psql" -X -q -h "$PG_TEMP_DIR" -p "$PG_PORT" -U "$PG_ROLE" -d "$PG_DATABASE" -v ON_ERROR_STOP=1 \
        -f "$root/docs/sync/schema.sql" >&2 || toolchain_fail "docs/sync/schema.sql failed" || return 1
    echo "toolchains: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') ready in $PG_TEMP_DIR" \
        "($(( ($(date +%s%N) - started) / 1000000 )) ms: initdb, start, database, schema)" >&2
    MINIAPP_AUTH_PG_HOST="$PG_TEMP_DIR"
    MINIAPP_AUTH_PG_PORT="$PG_PORT"
    MINIAPP_AUTH_PG_USER="$PG_ROLE"
    MINIAPP_AUTH_PG_DB="$PG_DATABASE"
    PATH="$PG_BIN:$PATH"
    export MINIAPP_AUTH_PG_HOST MINIAPP_AUTH_PG_PORT MINIAPP_AUTH_PG_USER MINIAPP_AUTH_PG_DB PG_BIN PATH
}

# Stops the server provision_postgres started and removes its temp dir (safe to
# call when it never started, or twice).
stop_postgres() {
    [ -n "${PG_TEMP_DIR:-}" ] && [ -d "$PG_TEMP_DIR" ] || return 0
    if [ -f "$PG_TEMP_DIR/data/postmaster.pid" ]; then
        as_pg_user "$PG_BIN/pg_ctl" stop --wait --mode=fast --pgdata="$PG_TEMP_DIR/data" >/dev/null 2>&1 \
            || echo "toolchains: pg_ctl stop failed (log: $PG_TEMP_DIR/server.log)" >&2
    fi
    rm -rf "$PG_TEMP_DIR"
    PG_TEMP_DIR=""
}

# Mounts /proc in the root (swiftc needs it); swift_unmount undoes it.
# The root's /proc is shared by every run using the root at once (two checkouts'
# suites, a benchmark): each run registers its PID, and the last live one to
# leave unmounts it — one run's exit must not pull /proc from under another's.
live_users() { # the PIDs in the file that are still running
    local pid
    for pid in $(grep -sx '[0-9][0-9]*' "$1" || true); do
        if kill -0 "$pid" 2>/dev/null; then echo "$pid"; fi
    done
}

swift_mount() {
    local users="$1/.proc-users"
    (
        flock 9
        { live_users "$users"; echo "$$"; } >"$users.new"
        mv "$users.new" "$users"
        mountpoint -q "$1/proc" || mount -t proc proc "$1/proc"
    ) 9>>"$1/.proc-users.lock"
}

swift_unmount() {
    # A root that does not exist yet (a fresh machine's first provisioning) has
    # nothing mounted; the lock file could not even be opened there.
    [ -d "$1" ] || return 0
    local users="$1/.proc-users"
    (
        flock 9
        live_users "$users" | { grep -vx "$$" || true; } >"$users.new"
        mv "$users.new" "$users"
        if [ ! -s "$users" ] && [ -d "$1/proc" ] && mountpoint -q "$1/proc"; then
            umount "$1/proc" || umount -l "$1/proc" || true
        fi
    ) 9>>"$1/.proc-users.lock"
}

# The main-safety proof of a layer's suite (SPEC §5): the suite's main-safety
# run and its control (blocking calls made on "main" on purpose), each under
# strace; each prints "main-safety: main thread tid N" and, when its calls
# succeeded, "ok   main-safety …". The control must be caught by
# scripts/check-main-thread-io.py — else the check could not see I/O on "main"
# here and proves nothing — and then the run must pass it. Prints the verdict
# and "<suite>: 1 passed, 0 failed" (or 0/1); returns non-zero on failure.
#   main_safety_check SUITE OUT WHAT RUN_COMMAND... -- CONTROL_COMMAND...
# (WHAT names the control's blocking calls in the verdict.)
main_safety_check() {
    local suite="$1" out="$2" what="$3"
    shift 3
    local run=() control=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do run+=("$1"); shift; done
    shift
    control=("$@")
    local root trace="$out/$suite-main-safety.strace" log="$out/$suite-main-safety.log"
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    local check=(python3 "$root/scripts/check-main-thread-io.py")
    local traced=(strace -f -qq -e trace=openat,pread64,pwrite64,fsync,fdatasync,close)
    if ! command -v strace >/dev/null; then
        apt_install strace || { echo "$suite: 0 passed, 1 failed (strace is missing)"; return 1; }
    fi
    rm -f "$trace" "$trace.control"
    "${traced[@]}" -o "$trace" "${run[@]}" >"$log" 2>&1 || true
    grep -v "^$suite: " "$log" || true
    "${traced[@]}" -o "$trace.control" "${control[@]}" >"$log.control" 2>&1 || true
    local tid control_tid
    tid=$(sed -n 's/^main-safety: main thread tid \([0-9]*\).*$/\1/p' "$log" | head -1)
    control_tid=$(sed -n 's/^main-safety: main thread tid \([0-9]*\).*$/\1/p' "$log.control" | head -1)
    if grep -q '^ok   main-safety control' "$log.control" && [ -n "$control_tid" ] \
        && ! "${check[@]}" "$trace.control" "$control_tid" >"$log.control.check" 2>&1 \
        && grep -q 'MAIN THREAD I/O' "$log.control.check"; then
        echo "main-safety: the control ($what on \"main\") is caught: $(head -1 "$log.control.check" | sed 's/^main-thread-io: //')"
    else
        echo "main-safety: the control was NOT caught: the check cannot see I/O on \"main\" here"
        cat "$log.control" "$log.control.check" 2>/dev/null || true
        tid="" # fail below
    fi
    if grep -q '^ok   main-safety' "$log" && [ -n "$tid" ] && "${check[@]}" "$trace" "$tid"; then
        echo "ok   main safety: no database I/O on the \"main\" thread (strace: $trace)"
        echo "$suite: 1 passed, 0 failed"
        return 0
    fi
    echo "FAIL main safety: database I/O on the \"main\" thread, or the calls failed, or the control was not caught (strace: $trace)"
    echo "$suite: 0 passed, 1 failed"
    return 1
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    case "${1:-all}" in
        kotlin) provision_kotlin && echo "KOTLIN_HOME=$KOTLIN_HOME JNA_JAR=$JNA_JAR" ;;
        swift) provision_swift && echo "SWIFT_ROOT=$SWIFT_ROOT" ;;
        js) provision_js && echo "TS_MODULES=$TS_MODULES API_TYPINGS_TARBALL=$API_TYPINGS_TARBALL JSC=$JSC FRAMEWORKS=$FRAMEWORKS" ;;
        browser) provision_browser && echo "CHROMIUM=$CHROMIUM BROWSER_MODULES=$BROWSER_MODULES" ;;
        postgres) # starts a server, checks it answers, stops it (a provisioning check)
            trap stop_postgres EXIT
            provision_postgres && psql -X -At -h "$MINIAPP_AUTH_PG_HOST" -p "$MINIAPP_AUTH_PG_PORT" \
                -U "$MINIAPP_AUTH_PG_USER" -d "$MINIAPP_AUTH_PG_DB" -c 'SELECT version()' ;;
        all) provision_kotlin && provision_swift && echo "KOTLIN_HOME=$KOTLIN_HOME JNA_JAR=$JNA_JAR SWIFT_ROOT=$SWIFT_ROOT" ;;
        *) echo "usage: $0 kotlin|swift|js|postgres|browser|all" >&2; exit 2 ;;
    esac
fi
