#!/usr/bin/env bash
# Makes a release's artifacts under dist/VERSION/:
#   maven/    com/miniappauth/miniapp-auth/VERSION/: the AAR and its POM (Gradle's
#             maven-publish, where Gradle, the Android SDK and the NDK exist), or
#             the POM and sources jar that scripts/render-pom.py writes from the
#             same files (elsewhere); checksums; maven-metadata.xml. The licence
#             notices are META-INF/miniapp-auth/THIRD-PARTY-NOTICES.txt in the
#             AAR's classes.jar, and in the rendered sources jar
#   ios/      Headers/MiniAppAuthFFI/ (the XCFramework slices' Headers tree);
#             MiniAppAuthFFI.xcframework.zip and its SwiftPM checksum (macOS + Xcode)
#   swift/    the Swift package hosts add by URL and version: Package.swift in its
#             release form (the zip by URL + checksum), Sources/MiniAppAuth/ with
#             the generated Swift and PrivacyInfo.xcprivacy, the licences and
#             THIRD-PARTY-NOTICES.txt (what the library bundles: scripts/notices.sh)
#   RELEASE-NOTES.md   this version's CHANGELOG section
#   MANIFEST.txt       every file with its SHA-256, and what was skipped
# then checks them (scripts/check-packaging.py).
#
#   scripts/release.sh VERSION [--partial] [--bindings DIR] [--repository URL]
#
# VERSION must be Cargo.toml's version (the one source: the POM and the Swift
# package take it from there) and CHANGELOG.md must have a "## VERSION" section.
# The project URL (POM url/scm, the zip's download URL) is Cargo.toml's
# `repository`, or --repository.
# Whatever this machine cannot build (the AAR needs Gradle + Android SDK + NDK;
# the XCFramework needs macOS + Xcode) is skipped and listed; without --partial
# a skipped part is an error at the end. --partial (what tests/packaging runs on
# Linux) exits 0, writes dist/VERSION/INCOMPLETE with the list, gives the release
# Package.swift an all-zero checksum that SwiftPM will refuse, and uses
# https://example.invalid/miniapp-auth when Cargo.toml names no repository.
# The first run on a machine installs cargo-about for the notices (several
# minutes, once; scripts/notices.sh).
# --bindings DIR takes already generated bindings (DIR/kotlin, DIR/swift, as
# `scripts/generate-bindings.sh --out DIR` writes them) instead of building the
# release library to generate them. Run it again at will: it starts from an empty
# dist/VERSION each time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

usage() { echo "usage: $0 VERSION [--partial] [--bindings DIR] [--repository URL]" >&2; exit 2; }
die() { echo "release: $*" >&2; exit 1; }
version=""
partial=0
bindings=""
repository=""
while [ $# -gt 0 ]; do
    case "$1" in
        --partial) partial=1; shift ;;
        --bindings) [ $# -ge 2 ] || usage; bindings="$2"; shift 2 ;;
        --repository) [ $# -ge 2 ] || usage; repository="$2"; shift 2 ;;
        -*) usage ;;
        *) [ -z "$version" ] || usage; version="$1"; shift ;;
    esac
done
[ -n "$version" ] || usage
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] \
    || die "VERSION must look like 1.2.3 or 1.2.3-rc.1 (got $version)"

cargo_field() { python3 -c 'import sys, tomllib; print(tomllib.load(open("Cargo.toml", "rb"))["package"].get(sys.argv[1], ""))' "$1"; }
crate_version=$(cargo_field version)
[ "$crate_version" = "$version" ] \
    || die "Cargo.toml's version is $crate_version, not $version. Set version = \"$version\" in Cargo.toml's [package] (the AAR, its POM and the Swift package all take the version from there), run cargo build so Cargo.lock follows, commit, and run this again."
grep -Eq "^## \[?$(sed 's/\./\\./g' <<<"$version")\]?( |$)" CHANGELOG.md \
    || die "CHANGELOG.md has no section for $version. Add a heading \"## $version ($(date +%Y-%m-%d))\" above the entries it releases (move them out of \"## Unreleased\"), commit, and run this again."

skipped=()
[ -n "$repository" ] || repository=$(cargo_field repository)
if [ -z "$repository" ]; then
    [ "$partial" = 1 ] || die "Cargo.toml's [package] has no repository = \"https://…\": the POM's url and scm and the Swift package's download URL come from it. Add it (or pass --repository URL)."
    repository="https://example.invalid/miniapp-auth"
    skipped+=("the project URL: Cargo.toml has no repository; used $repository")
fi

dist="$root/dist/$version"
rm -rf "$dist"
mkdir -p "$dist/maven" "$dist/ios" "$dist/swift/Sources/MiniAppAuth" "$dist/swift/Sources/MiniAppAuthBindings" \
    "$dist/swift/Sources/MiniAppAuthTesting"
echo "release: $version into dist/$version"

# The bindings (the Kotlin and Swift of this very source).
if [ -n "$bindings" ]; then
    bindings=$(cd "$bindings" && pwd)
    [ -d "$bindings/kotlin" ] && [ -d "$bindings/swift" ] || die "--bindings $bindings has no kotlin/ and swift/"
    kotlin_gen="$bindings/kotlin"
    swift_gen="$bindings/swift"
    echo "release: bindings from $bindings"
else
    scripts/generate-bindings.sh --profile release >/dev/null
    kotlin_gen="$root/bindings/kotlin/generated"
    swift_gen="$root/bindings/swift/generated"
fi

# The licence notices of what the library bundles (cargo-about), shipped in the
# Swift package and the Maven artifact.
notices="$dist/swift/THIRD-PARTY-NOTICES.txt"
scripts/notices.sh "$notices"

# Android: Gradle's publication where it can run, the rendered POM otherwise.
gradle_cmd=()
if [ -x platforms/android/gradlew ]; then gradle_cmd=(platforms/android/gradlew); elif command -v gradle >/dev/null; then gradle_cmd=(gradle); fi
ndk_problem=$(bash platforms/android/build-rust.sh --check 2>&1 >/dev/null | sed -n 's/^  - //p' | paste -sd ';' - | sed 's/;/; /g' || true)
if [ ${#gradle_cmd[@]} -gt 0 ] && [ -z "$ndk_problem" ] && [ -n "${ANDROID_HOME:-${ANDROID_SDK_ROOT:-}}" ]; then
    [ -z "$bindings" ] || echo "release: note: Gradle's preBuild regenerates the Kotlin bindings with the release library" >&2
    "${gradle_cmd[@]}" -p platforms/android publishReleasePublicationToDistRepository \
        -PdistRepo="$dist/maven"
    # The POM Gradle wrote must be the one render-pom.py writes from the same files.
    python3 scripts/render-pom.py --repo-dir "$dist/rendered" --repository "$repository" >/dev/null
    python3 scripts/check-packaging.py same-dependencies \
        "$dist/maven/com/miniappauth/miniapp-auth/$version/miniapp-auth-$version.pom" \
        "$dist/rendered/com/miniappauth/miniapp-auth/$version/miniapp-auth-$version.pom"
    rm -rf "$dist/rendered"
else
    why=()
    [ ${#gradle_cmd[@]} -gt 0 ] || why+=("no Gradle (gradle or platforms/android/gradlew)")
    [ -n "${ANDROID_HOME:-${ANDROID_SDK_ROOT:-}}" ] || why+=("no Android SDK (ANDROID_HOME)")
    [ -z "$ndk_problem" ] || why+=("$ndk_problem")
    python3 scripts/render-pom.py --repo-dir "$dist/maven" --repository "$repository" --kotlin-generated "$kotlin_gen" \
        --notices "$notices" >/dev/null
    skipped+=("the AAR (libminiapp_auth.so for 3 ABIs + classes.jar) and Gradle's own POM: $(printf '%s; ' "${why[@]}" | sed 's/; $//'); wrote the POM and sources jar with scripts/render-pom.py instead")
fi

# iOS: the Headers tree always; the XCFramework, zipped, on macOS with Xcode.
bash platforms/ios/xcframework-headers.sh "$swift_gen" "$dist/ios/Headers" >/dev/null
zip_name=MiniAppAuthFFI.xcframework.zip
checksum=""
if [ "$(uname -s)" = Darwin ] && command -v xcodebuild >/dev/null; then
    bash platforms/ios/build-xcframework.sh
    (cd platforms/ios && ditto -c -k --sequesterRsrc --keepParent MiniAppAuthFFI.xcframework "$dist/ios/$zip_name")
    checksum=$(cd "$dist/ios" && swift package compute-checksum "$zip_name" 2>/dev/null || shasum -a 256 "$zip_name" | cut -d' ' -f1)
    echo "$checksum" >"$dist/ios/$zip_name.checksum"
    cp platforms/ios/Sources/MiniAppAuthBindings/MiniAppAuthBindings.swift "$dist/swift/Sources/MiniAppAuthBindings/"
else
    skipped+=("the XCFramework and its zip and checksum: needs macOS with Xcode (this is $(uname -s)); wrote its Headers tree only (ios/Headers)")
    cp "$swift_gen/MiniAppAuthBindings.swift" "$dist/swift/Sources/MiniAppAuthBindings/"
fi
# The hand-written layer hosts import, and the testing module their tests import.
cp platforms/ios/Sources/MiniAppAuth/*.swift "$dist/swift/Sources/MiniAppAuth/"
cp platforms/ios/Sources/MiniAppAuthTesting/*.swift "$dist/swift/Sources/MiniAppAuthTesting/"

# The Swift package in its release form.
cp platforms/ios/Sources/MiniAppAuth/PrivacyInfo.xcprivacy "$dist/swift/Sources/MiniAppAuth/"
cp LICENSE-MIT LICENSE-APACHE "$dist/swift/"
url="$repository/releases/download/$version/$zip_name"
local_line='let ffi: Target = .binaryTarget(name: "MiniAppAuthFFI", path: "MiniAppAuthFFI.xcframework")'
[ "$(grep -cxF "$local_line" platforms/ios/Package.swift)" = 1 ] \
    || die "platforms/ios/Package.swift must hold exactly one line: $local_line"
if [ -n "$checksum" ]; then
    release_line="let ffi: Target = .binaryTarget(name: \"MiniAppAuthFFI\", url: \"$url\", checksum: \"$checksum\")"
else
    release_line="// INCOMPLETE: no XCFramework was built; SwiftPM refuses this checksum. Do not publish.
let ffi: Target = .binaryTarget(name: \"MiniAppAuthFFI\", url: \"$url\", checksum: \"$(printf '0%.0s' {1..64})\")"
fi
LOCAL="$local_line" RELEASE="$release_line" python3 -c '
import os, sys
text = open("platforms/ios/Package.swift").read()
sys.stdout.write(text.replace(os.environ["LOCAL"], os.environ["RELEASE"]))' >"$dist/swift/Package.swift"

# This version's CHANGELOG section.
awk -v v="$version" '
    /^## / { if (on) exit; if ($2 == v || $2 == "[" v "]") on = 1 }
    on' CHANGELOG.md >"$dist/RELEASE-NOTES.md"

# What is here, and what is not.
if [ ${#skipped[@]} -gt 0 ]; then
    { echo "dist/$version is INCOMPLETE; skipped on $(uname -s):"; printf -- '- %s\n' "${skipped[@]}"; } >"$dist/INCOMPLETE"
fi
(
    cd "$dist"
    echo "miniapp-auth $version"
    find . -type f ! -name MANIFEST.txt | LC_ALL=C sort | sed 's#^\./##' | xargs sha256sum
    [ ! -f INCOMPLETE ] || { echo; cat INCOMPLETE; }
) >"$dist/MANIFEST.txt"

python3 scripts/check-packaging.py dist "$dist" "$repository"

echo "release: dist/$version:"
(cd "$dist" && find . -type f | LC_ALL=C sort | sed 's#^\./#  #')
if [ ${#skipped[@]} -gt 0 ]; then
    echo "release: NOT DONE on this machine:"
    printf '  - %s\n' "${skipped[@]}"
    if [ "$partial" = 1 ]; then
        echo "release: partial run (--partial): dist/$version/INCOMPLETE lists the above; do not publish it"
    else
        die "incomplete release (see above); run it where those toolchains exist, or pass --partial to keep what this machine made"
    fi
else
    echo "release: complete. Publish: the maven/ tree to the Maven repository; ios/$zip_name to $url; swift/ as the root of the Swift package's repository, tagged $version."
fi
