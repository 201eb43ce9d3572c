#!/usr/bin/env python3
"""Checks a release's artifacts against what issue #13 asks of them.

  check-packaging.py dist DIST_DIR           every check of dist/VERSION (release.sh runs it)
  check-packaging.py same-dependencies A B   two POMs list the same dependencies
  check-packaging.py dump-package JSON local|release VERSION
                                             `swift package dump-package` output

Each check prints one line, "packaging: NAME: ok" or "packaging: NAME: FAILED: why"
(tests/packaging/run.sh and test.sh count them); the exit status is 1 if any failed.
The expectations are the issue's, not read back from the files checked: the
coordinates com.miniappauth:miniapp-auth, JNA >= 5.17 as an aar, coroutines,
the licences Cargo.toml names, the module map in Headers/MiniAppAuthFFI/.
"""
import json
import plistlib
import re
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANDROID = ROOT / "platforms" / "android"
IOS = ROOT / "platforms" / "ios"
GROUP, ARTIFACT = "com.miniappauth", "miniapp-auth"
MODULE = "MiniAppAuthFFI"
JNA_MIN = (5, 17)  # 5.14's native library is not 16 KB-page aligned (Play's check)
NS = {"m": "http://maven.apache.org/POM/4.0.0"}
# Apple's required-reason API categories and their approved reason codes
# ("Describing use of required reason API", developer.apple.com).
REASONS = {
    "NSPrivacyAccessedAPICategoryFileTimestamp": {"DDA9.1", "C617.1", "3B52.1", "0A2A.1"},
    "NSPrivacyAccessedAPICategorySystemBootTime": {"35F9.1", "8FFB.1", "3D61.1"},
    "NSPrivacyAccessedAPICategoryDiskSpace": {"85F4.1", "E174.1", "7D9E.1", "B728.1"},
    "NSPrivacyAccessedAPICategoryActiveKeyboards": {"3EC4.1", "54BD.1"},
    "NSPrivacyAccessedAPICategoryUserDefaults": {"CA92.1", "1C8F.1", "C56D.1", "AC6B.1"},
}

failures = 0


class Failed(Exception):
    pass


def check(name, function, *args):
    global failures
    try:
        detail = function(*args)
        print(f"packaging: {name}: ok" + (f" ({detail})" if detail else ""))
    except Failed as error:
        failures += 1
        print(f"packaging: {name}: FAILED: {error}")


def need(condition, message):
    if not condition:
        raise Failed(message)


def cargo():
    with open(ROOT / "Cargo.toml", "rb") as f:
        return tomllib.load(f)["package"]


def catalog():
    with open(ANDROID / "gradle" / "libs.versions.toml", "rb") as f:
        return tomllib.load(f)


def version_tuple(text):
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def pom_dependencies(pom_path):
    tree = ET.parse(pom_path).getroot()
    deps = {}
    for dep in tree.findall("m:dependencies/m:dependency", NS):
        get = lambda tag: (dep.findtext(f"m:{tag}", default="", namespaces=NS) or "").strip()
        deps[f"{get('groupId')}:{get('artifactId')}"] = {
            "version": get("version"), "type": get("type") or "jar", "scope": get("scope") or "compile"}
    return tree, deps


# --- Android -------------------------------------------------------------------

def check_pom(pom_path, version):
    need(pom_path.is_file(), f"no POM at {pom_path}")
    tree, deps = pom_dependencies(pom_path)
    text = lambda path: (tree.findtext(path, default="", namespaces=NS) or "").strip()
    package = cargo()
    need(text("m:groupId") == GROUP, f"groupId {text('m:groupId')!r}, expected {GROUP}")
    need(text("m:artifactId") == ARTIFACT, f"artifactId {text('m:artifactId')!r}, expected {ARTIFACT}")
    need(text("m:version") == version == package["version"],
         f"version {text('m:version')!r}; release {version}; Cargo.toml {package['version']}")
    need(text("m:packaging") == "aar", f"packaging {text('m:packaging')!r}, expected aar")
    for field in ("m:name", "m:description", "m:url", "m:scm/m:url", "m:scm/m:connection"):
        need(text(field), f"the POM has no {field.replace('m:', '')}")
    need(text("m:description") == package["description"], "description differs from Cargo.toml's")
    licences = [(lic.findtext("m:name", namespaces=NS) or "").strip()
                for lic in tree.findall("m:licenses/m:license", NS)]
    expected = [part.strip() for part in package["license"].split(" OR ")]
    need(licences == expected, f"licences {licences}, Cargo.toml says {package['license']!r}")
    jna = deps.get("net.java.dev.jna:jna")
    need(jna, "no net.java.dev.jna:jna dependency")
    need(version_tuple(jna["version"]) >= JNA_MIN, f"JNA {jna['version']} < 5.17 (16 KB pages)")
    need(jna["type"] == "aar", f"JNA's type is {jna['type']}, expected aar (its native dispatch library)")
    need(jna["scope"] == "compile", f"JNA's scope is {jna['scope']}: hosts compile against it (api)")
    coroutines = deps.get("org.jetbrains.kotlinx:kotlinx-coroutines-android")
    need(coroutines, "no org.jetbrains.kotlinx:kotlinx-coroutines-android dependency")
    need(version_tuple(coroutines["version"]) >= (1, 9), f"coroutines {coroutines['version']} < 1.9")
    need(coroutines["scope"] == "compile", "coroutines must be api (compile scope): the layer exposes Flow/suspend")
    # Every dependency is a catalog entry at the catalog's version.
    cat = catalog()
    modules = {}
    for entry in cat["libraries"].values():
        ref = entry.get("version", {}).get("ref") if isinstance(entry.get("version"), dict) else None
        modules[entry["module"]] = cat["versions"][ref] if ref else entry.get("version")
    for coordinate, dep in deps.items():
        need(coordinate in modules, f"{coordinate} is not in gradle/libs.versions.toml")
        need(dep["version"] == modules[coordinate],
             f"{coordinate} {dep['version']} but the catalog says {modules[coordinate]}")
    return f"{GROUP}:{ARTIFACT}:{version}; " + ", ".join(f"{c}:{d['version']}" + ("@aar" if d["type"] == "aar" else "")
                                                        for c, d in deps.items())


def check_gradle_uses_catalog():
    script = (ANDROID / "build.gradle.kts").read_text()
    need('file("../../Cargo.toml")' in script and 'version = cargo("version")' in script,
         "build.gradle.kts does not take the version from Cargo.toml")
    hard = re.findall(r'"[\w.-]+:[\w.-]+:\d[^"]*"', script)
    need(not hard, f"build.gradle.kts hard-codes coordinates {hard}: use the catalog (libs.…)")
    need(not re.search(r'^\s*id\("[^"]+"\)\s*version', script, re.M),
         "build.gradle.kts pins a plugin version itself: use alias(libs.plugins.…)")
    for line in ('api(variantOf(libs.jna) { artifactType("aar") })', "api(libs.kotlinx.coroutines.android)",
                 "alias(libs.plugins.android.library)", "alias(libs.plugins.kotlin.android)", "`maven-publish`"):
        need(line in script, f"build.gradle.kts lacks {line}")
    need(re.search(r'java\.srcDirs\("src/main/kotlin",\s*"\.\./\.\./bindings/kotlin/generated"\)', script),
         "the main source set must hold src/main/kotlin and the generated bindings")
    props = (ANDROID / "gradle.properties").read_text()
    need(f"GROUP={GROUP}" in props and f"POM_ARTIFACT_ID={ARTIFACT}" in props,
         "gradle.properties does not name the coordinates")
    need(version_tuple(catalog()["versions"]["jna"]) >= JNA_MIN, "the catalog's JNA is older than 5.17")


def check_no_old_jna():
    """JNA below 5.17 named as a dependency anywhere in the repository: Maven
    coordinates, @aar/jar file names, version-catalog lines."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    patterns = [re.compile(r"net\.java\.dev\.jna:jna(?:-platform)?:(\d+)\.(\d+)"),
                re.compile(r"\bjna(?:-platform)?-(\d+)\.(\d+)(?:\.\d+)*\.(?:jar|aar)\b"),
                re.compile(r'^\s*jna\s*=\s*"(\d+)\.(\d+)', re.M)]
    bad = []
    for name in files:
        path = ROOT / name
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        for pattern in patterns:
            for m in pattern.finditer(text):
                if (int(m.group(1)), int(m.group(2))) < JNA_MIN:
                    bad.append(f"{name}: {m.group(0).strip()}")
    need(not bad, "JNA older than 5.17: " + "; ".join(bad))
    return f"{len(files)} files"


def same_dependencies(a, b):
    _, deps_a = pom_dependencies(a)
    _, deps_b = pom_dependencies(b)
    need(deps_a == deps_b, f"{a} lists {deps_a}, {b} lists {deps_b}")


# --- iOS -----------------------------------------------------------------------

def check_headers(headers):
    need(headers.is_dir(), f"no Headers tree at {headers}")
    found = sorted(str(p.relative_to(headers)) for p in headers.rglob("*") if p.is_file())
    expected = [f"{MODULE}/{MODULE}.h", f"{MODULE}/module.modulemap"]
    need(found == expected, f"Headers holds {found}, expected {expected}")
    modulemap = (headers / MODULE / "module.modulemap").read_text()
    declared = re.findall(r"^\s*(?:framework\s+)?module\s+(\w+)\s*\{", modulemap, re.M)
    need(declared == [MODULE], f"the module map declares {declared}, expected [{MODULE}]")
    headers_named = re.findall(r'header\s+"([^"]+)"', modulemap)
    need(headers_named == [f"{MODULE}.h"], f"the module map names headers {headers_named}")
    need((headers / MODULE / headers_named[0]).is_file(), "the header the module map names is not beside it")
    return "Headers/" + ", Headers/".join(found)


def check_privacy(manifest):
    need(manifest.is_file(), f"no {manifest}")
    with open(manifest, "rb") as f:
        plist = plistlib.load(f)
    need(plist.get("NSPrivacyTracking") is False, "NSPrivacyTracking must be false")
    need(plist.get("NSPrivacyTrackingDomains") == [], "NSPrivacyTrackingDomains must be an empty array")
    need(plist.get("NSPrivacyCollectedDataTypes") == [],
         "NSPrivacyCollectedDataTypes must be an empty array (nothing leaves the device)")
    types = plist.get("NSPrivacyAccessedAPITypes")
    need(isinstance(types, list), "NSPrivacyAccessedAPITypes must be an array")
    declared = {}
    for entry in types:
        category = entry.get("NSPrivacyAccessedAPIType")
        reasons = entry.get("NSPrivacyAccessedAPITypeReasons", [])
        need(category in REASONS, f"unknown required-reason category {category!r}")
        need(reasons and set(reasons) <= REASONS[category], f"{category}: reasons {reasons} not Apple's {sorted(REASONS[category])}")
        declared[category] = reasons
    sources = "\n".join(p.read_text() for p in (ROOT / "src").rglob("*.rs"))
    if re.search(r"fs::metadata\(|\.metadata\(\)", sources):  # stat/fstat: the file timestamp category
        need("NSPrivacyAccessedAPICategoryFileTimestamp" in declared,
             "src/ stats files (fs::metadata): declare NSPrivacyAccessedAPICategoryFileTimestamp")
    if 'features = ["bundled' in (ROOT / "Cargo.toml").read_text() or '"rusqlite/bundled"' in (ROOT / "Cargo.toml").read_text():
        # SQLite built for Apple calls statfs/fstatfs (SQLITE_ENABLE_LOCKING_STYLE).
        need("NSPrivacyAccessedAPICategoryDiskSpace" in declared,
             "the bundled SQLite calls statfs/fstatfs on Apple: declare NSPrivacyAccessedAPICategoryDiskSpace")
    return ", ".join(f"{c.removeprefix('NSPrivacyAccessedAPICategory')} {'/'.join(r)}" for c, r in declared.items())


def check_swift_package(swift, version):
    manifest = (swift / "Package.swift").read_text()
    layer = sorted(p.name for p in (IOS / "Sources/MiniAppAuth").glob("*.swift"))
    need(layer, "platforms/ios/Sources/MiniAppAuth holds no layer sources")
    testing = sorted(p.name for p in (IOS / "Sources/MiniAppAuthTesting").glob("*.swift"))
    need(testing, "platforms/ios/Sources/MiniAppAuthTesting holds no sources")
    for path in ("Sources/MiniAppAuthBindings/MiniAppAuthBindings.swift", "Sources/MiniAppAuth/PrivacyInfo.xcprivacy",
                 *(f"Sources/MiniAppAuth/{name}" for name in layer),
                 *(f"Sources/MiniAppAuthTesting/{name}" for name in testing),
                 "LICENSE-MIT", "LICENSE-APACHE"):
        need((swift / path).is_file(), f"swift/{path} is missing")
    need((swift / "Sources/MiniAppAuth/PrivacyInfo.xcprivacy").read_bytes()
         == (IOS / "Sources/MiniAppAuth/PrivacyInfo.xcprivacy").read_bytes(), "the privacy manifest differs from platforms/ios'")
    m = re.search(r'\.binaryTarget\(name: "MiniAppAuthFFI", url: "([^"]+)", checksum: "([0-9a-f]{64})"\)', manifest)
    need(m, "the release Package.swift has no binaryTarget(url:checksum:)")
    need(m.group(1).endswith(f"/releases/download/{version}/MiniAppAuthFFI.xcframework.zip"), f"zip URL {m.group(1)}")
    incomplete = (swift.parent / "INCOMPLETE").exists()
    zip_checksum = swift.parent / "ios" / "MiniAppAuthFFI.xcframework.zip.checksum"
    if incomplete and not zip_checksum.exists():
        need(m.group(2) == "0" * 64 and "INCOMPLETE" in manifest, "an unbuilt XCFramework needs the all-zero checksum")
    else:
        need(zip_checksum.exists() and zip_checksum.read_text().strip() == m.group(2), "checksum differs from the zip's")
    return m.group(1)


def check_dump_package(json_path, form, version):
    data = json.loads(Path(json_path).read_text())
    need(data.get("name") == "MiniAppAuth", f"package name {data.get('name')!r}")
    targets = {t["name"]: t for t in data.get("targets", [])}
    need(set(targets) == {"MiniAppAuth", "MiniAppAuthBindings", "MiniAppAuthFFI", "MiniAppAuthTesting"},
         f"targets {sorted(targets)}")
    ffi, swift, bindings = targets["MiniAppAuthFFI"], targets["MiniAppAuth"], targets["MiniAppAuthBindings"]
    need(ffi.get("type") == "binary", f"MiniAppAuthFFI is {ffi.get('type')}, expected binary")
    if form == "local":
        need(ffi.get("path") == "MiniAppAuthFFI.xcframework", f"local binary path {ffi.get('path')!r}")
    else:
        need(str(ffi.get("url", "")).endswith(f"/{version}/MiniAppAuthFFI.xcframework.zip"), f"release url {ffi.get('url')!r}")
        need(re.fullmatch(r"[0-9a-f]{64}", ffi.get("checksum") or ""), f"release checksum {ffi.get('checksum')!r}")
    need("MiniAppAuthFFI" in json.dumps(bindings.get("dependencies", [])),
         "MiniAppAuthBindings does not depend on MiniAppAuthFFI")
    need("MiniAppAuthBindings" in json.dumps(swift.get("dependencies", [])),
         "MiniAppAuth (the layer hosts import) does not depend on MiniAppAuthBindings")
    need(json.dumps(targets["MiniAppAuthTesting"].get("dependencies", [])).count('"MiniAppAuth"') == 1
         and "MiniAppAuthBindings" not in json.dumps(targets["MiniAppAuthTesting"].get("dependencies", [])),
         "MiniAppAuthTesting must depend on MiniAppAuth (the layer) and on nothing generated")
    resources = swift.get("resources", [])
    need(any(r.get("path") == "PrivacyInfo.xcprivacy" and "copy" in json.dumps(r.get("rule")) for r in resources),
         f"the privacy manifest is not a .copy resource: {resources}")
    products = [p["name"] for p in data.get("products", [])]
    need(products == ["MiniAppAuth", "MiniAppAuthTesting"], f"products {products}")
    platforms = [(p.get("platformName"), p.get("version")) for p in data.get("platforms", [])]
    need(("ios", "13.0") in platforms, f"platforms {platforms}")
    return (f"{form}: targets MiniAppAuth (resource PrivacyInfo.xcprivacy) over MiniAppAuthBindings over MiniAppAuthFFI "
            f"({'path' if form == 'local' else 'url+checksum'}); MiniAppAuthTesting over MiniAppAuth")


def main():
    args = sys.argv[1:]
    if args[:1] == ["dist"] and len(args) == 2:
        dist = Path(args[1]).resolve()
        version = dist.name
        pom = dist / "maven" / GROUP.replace(".", "/") / ARTIFACT / version / f"{ARTIFACT}-{version}.pom"
        check("pom", check_pom, pom, version)
        check("gradle uses the catalog and Cargo.toml", check_gradle_uses_catalog)
        check("no JNA older than 5.17", check_no_old_jna)
        check("xcframework headers", check_headers, dist / "ios" / "Headers")
        check("privacy manifest", check_privacy, IOS / "Sources" / "MiniAppAuth" / "PrivacyInfo.xcprivacy")
        check("swift package (release form)", check_swift_package, dist / "swift", version)
    elif args[:1] == ["same-dependencies"] and len(args) == 3:
        check("gradle's POM = rendered POM", same_dependencies, Path(args[1]), Path(args[2]))
    elif args[:1] == ["dump-package"] and len(args) == 4 and args[2] in ("local", "release"):
        check(f"swift package dump-package ({args[2]})", check_dump_package, args[1], args[2], args[3])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
