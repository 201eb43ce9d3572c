#!/usr/bin/env python3
"""Checks a release's artifacts against what issue #13 asks of them.

  check-packaging.py dist DIST_DIR [URL]     every check of dist/VERSION (release.sh runs it;
                                             URL: the project URL it used, default Cargo.toml's)
  check-packaging.py same-dependencies A B   two POMs list the same dependencies
  check-packaging.py dump-package JSON local|release VERSION
                                             `swift package dump-package` output
  check-packaging.py notices FILE            one THIRD-PARTY-NOTICES.txt against `cargo tree`
  check-packaging.py build-rust-task         the Gradle buildRust task's declarations

Each check prints one line, "packaging: NAME: ok" or "packaging: NAME: FAILED: why"
(tests/packaging/run.sh and test.sh count them); the exit status is 1 if any failed.
The expectations are the issue's, not read back from the files checked: the
coordinates com.miniappauth:miniapp-auth, JNA >= 5.17 as an aar, coroutines,
the licences Cargo.toml names, the module map in Headers/MiniAppAuthFFI/, the
notices naming every crate `cargo tree` shows for the shipped targets, Swift
tools 6.0 (what the layer's #isolation needs) in Swift 5 language mode.
"""
import io
import json
import plistlib
import re
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
import zipfile
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

# What the library ships for: platforms/android/build-rust.sh, platforms/ios/build-xcframework.sh.
SHIPPED_TARGETS = ["aarch64-linux-android", "armv7-linux-androideabi", "x86_64-linux-android",
                   "aarch64-apple-ios", "aarch64-apple-ios-sim", "x86_64-apple-ios"]
NOTICES = "THIRD-PARTY-NOTICES.txt"
NOTICES_ENTRY = "META-INF/miniapp-auth/THIRD-PARTY-NOTICES.txt"  # in the AAR's classes.jar
# The layer uses #isolation (SE-0420, Swift 6.0); Debian 13's swiftlang 6.0.3 is
# the compiler it is tested with. Tools 6.0 defaults to Swift 6 language mode, in
# which 6.0.3 crashes on UniFFI's generated code: the package asks for Swift 5.
SWIFT_TOOLS = "6.0"
SWIFT_6_ONLY = {"#isolation": "SE-0420, Swift 6.0"}

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


def check_build_rust_task():
    """The Gradle task that runs build-rust.sh declares what cargo reads and what
    it writes, and reaches no `project` when it runs (configuration cache).
    Static: Gradle does not run on this project's machines."""
    script = (ANDROID / "build.gradle.kts").read_text()
    build_rust = (ANDROID / "build-rust.sh").read_text()
    registration = re.search(r"^val buildRust by tasks\.registering\((\w+)::class\)\s*\{\n(.*?)^\}", script, re.S | re.M)
    need(registration, "build.gradle.kts registers no `val buildRust by tasks.registering(<TaskClass>::class) { … }`")
    task_class, config = registration.group(1), registration.group(2)
    need(task_class != "Exec", "buildRust is a plain Exec task: it declares no inputs or outputs")
    body = re.search(rf"^abstract class {task_class}\s*:\s*DefaultTask\(\)\s*\{{\n(.*?)^\}}", script, re.S | re.M)
    need(body, f"no `abstract class {task_class} : DefaultTask()` in build.gradle.kts")
    body = body.group(1)
    need(not re.search(r"\bproject\b", body), f"{task_class} reaches `project` (not configuration-cache compatible)")
    need("@TaskAction" in body, f"{task_class} has no @TaskAction")
    need(re.search(r"@get:Inject\s+abstract val (\w+): ExecOperations", body),
         f"{task_class} must run build-rust.sh through an injected ExecOperations")
    annotated = dict((name, kind) for kind, name in
                     re.findall(r"@get:(\w+)\s*(?:@get:\w+(?:\([^)]*\))?\s*)*abstract val (\w+):", body))
    need(annotated.get("sources") == "InputFiles", f"{task_class}.sources is not @InputFiles ({annotated})")
    # The inputs: what the issue names, what build-rust.sh runs, and what cargo
    # reads besides the crate's sources.
    crate_dir = re.search(r'^val (\w+) = layout\.projectDirectory\.dir\("\.\./\.\."\)', script, re.M)
    need(crate_dir, 'no `val <name> = layout.projectDirectory.dir("../..")` (the crate\'s directory)')
    sources = re.search(r"\bsources\.from\((.*?)\n\s*\)", config, re.S)
    need(sources, "buildRust sets no `sources.from(…)`")
    declared = set()
    for base, path in re.findall(rf'\b({crate_dir.group(1)}|layout\.projectDirectory)\.(?:file|dir)\("([^"]+)"\)',
                                 sources.group(1)):
        declared.add(path if base == crate_dir.group(1) else f"platforms/android/{path}")
    required = {"Cargo.toml", "Cargo.lock", "src", "uniffi.toml", "platforms/android/build-rust.sh"}
    required |= set(re.findall(r"^(?:\S+\s+)*(scripts/[\w.-]+\.sh)\b", build_rust, re.M))
    if "scripts/notices.sh" in required:
        required |= {"about.toml", "about.hbs"}
    with open(ROOT / "Cargo.toml", "rb") as f:
        manifest = tomllib.load(f)
    required |= {m for m in manifest.get("workspace", {}).get("members", []) if m != "."}
    if (ROOT / ".cargo" / "config.toml").exists():
        required.add(".cargo/config.toml")
    if (ROOT / "build.rs").exists() or manifest["package"].get("build"):
        required.add(manifest["package"].get("build") or "build.rs")
    for rs in (ROOT / "src").rglob("*.rs"):
        for included in re.findall(r'include_(?:str|bytes)!\("([^"]+)"\)', rs.read_text()):
            path = (rs.parent / included).resolve().relative_to(ROOT)
            if not str(path).startswith("src/"):
                required.add(str(path))
    missing = sorted(p for p in required if not any(p == d or p.startswith(d + "/") for d in declared))
    need(not missing, f"buildRust does not declare these inputs: {missing}")
    gone = sorted(p for p in declared if not (ROOT / p).exists())
    need(not gone, f"buildRust declares inputs that do not exist: {gone}")
    # The outputs: where build-rust.sh writes, where the source set reads.
    outputs = {}
    for name, base, path in re.findall(rf'(\w+)\.set\(({crate_dir.group(1)}|layout\.buildDirectory)\.dir\("([^"]+)"\)\)', config):
        outputs[name] = ("../../" if base == crate_dir.group(1) else "build/") + path
    for name in outputs:
        need(annotated.get(name) == "OutputDirectory", f"{task_class}.{name} is not @OutputDirectory")
    wanted = {
        "jniLibs": (r'jniLibs\.srcDir\("([^"]+)"\)', "$here/{}"),
        "notices": (r'resources\.srcDir\("([^"]+)"\)', "$here/{}/"),
        "kotlinBindings": (r'java\.srcDirs\("src/main/kotlin",\s*"([^"]+)"\)', None),
    }
    for name, (pattern, written) in wanted.items():
        read = re.search(pattern, script)
        need(read, f"the main source set has no {pattern}")
        need(outputs.get(name) == read.group(1),
             f"buildRust's {name} output is {outputs.get(name)!r}, but the source set reads {read.group(1)!r}")
        if written:
            need(written.format(read.group(1)) in build_rust, f"build-rust.sh does not write into {read.group(1)}")
    need(re.search(r"bindings/(?:kotlin|\$language)/generated", (ROOT / "scripts" / "generate-bindings.sh").read_text()),
         "generate-bindings.sh no longer writes bindings/kotlin/generated")
    need(re.search(r'tasks\.named\("preBuild"\)\s*\{\s*dependsOn\(buildRust\)\s*\}', script),
         "preBuild does not depend on buildRust")
    need("providers.fileContents(" in script and not re.search(r"\.read(?:Lines|Text|Bytes)\(\)", script),
         "build.gradle.kts reads a file directly at configuration time: use providers.fileContents")
    return (f"{task_class}: {len(declared)} inputs ({', '.join(sorted(declared))}); outputs "
            + ", ".join(f"{k} {v}" for k, v in sorted(outputs.items())))


def check_project_url(dist, version, repository):
    """The POM's url and scm and the Swift package's zip URL are the project URL:
    Cargo.toml's repository (or the one release.sh was given)."""
    package = cargo()
    expected = repository or package.get("repository")
    incomplete = dist / "INCOMPLETE"
    pom = dist / "maven" / GROUP.replace(".", "/") / ARTIFACT / version / f"{ARTIFACT}-{version}.pom"
    tree = ET.parse(pom).getroot()
    text = lambda path: (tree.findtext(path, default="", namespaces=NS) or "").strip()
    if not expected or "example.invalid" in expected:
        need(incomplete.exists() and "the project URL" in incomplete.read_text(),
             "no project URL (Cargo.toml has no repository) and INCOMPLETE does not say so")
        expected = text("m:url")
    need(re.fullmatch(r"https://[^\s/]+/\S+", expected or ""), f"project URL {expected!r}")
    need(text("m:url") == expected, f"POM url {text('m:url')!r}, expected {expected}")
    need(text("m:scm/m:url") == expected, f"POM scm url {text('m:scm/m:url')!r}, expected {expected}")
    need(text("m:scm/m:connection") == f"scm:git:{expected}.git", f"POM scm connection {text('m:scm/m:connection')!r}")
    manifest = (dist / "swift" / "Package.swift").read_text()
    url = f"{expected}/releases/download/{version}/MiniAppAuthFFI.xcframework.zip"
    need(f'url: "{url}"' in manifest, f"the release Package.swift does not name {url}")
    return expected + ("" if expected == package.get("repository") else " (not Cargo.toml's: --repository)")


def shipped_crates():
    """(name, version) of every crate `cargo tree -e normal` shows for the root
    package with the library's features (bundled SQLite, no inspector) on the
    shipped targets."""
    args = ["cargo", "tree", "-e", "normal", "--prefix", "none", "--locked", "-p", cargo()["name"],
            # The library's features: the inspector (default, the CLI's) is never in it.
            "--no-default-features", "--features", "bundled-sqlite"]
    for target in SHIPPED_TARGETS:
        args += ["--target", target]
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    need(result.returncode == 0, f"{' '.join(args)} failed: {result.stderr.strip()[-300:]}")
    crates = set()
    for line in result.stdout.splitlines():
        m = re.match(r"^(\S+) v(\S+)", line)
        if m:
            crates.add((m.group(1), m.group(2)))
    need(len(crates) > 5, f"cargo tree listed {len(crates)} crates")
    return crates


def check_notices_text(text, crates):
    """One THIRD-PARTY-NOTICES.txt: a line `name version: licence` for exactly the
    crates of the shipped library, and SQLite named when it is bundled."""
    listed = set(re.findall(r"^([A-Za-z0-9_-]+) (\d+\.\d+\.\d+\S*): \S", text, re.M))
    missing = sorted(f"{n} {v}" for n, v in crates - listed)
    need(not missing, f"names not {len(missing)} crates of `cargo tree -e normal`: {', '.join(missing[:12])}")
    extra = sorted(f"{n} {v}" for n, v in listed - crates)
    need(not extra, f"names crates the shipped library does not bundle: {', '.join(extra[:12])}")
    need("MIT License" in text and "Permission is hereby granted" in text, "no licence texts (the MIT text is missing)")
    with open(ROOT / "Cargo.toml", "rb") as f:
        manifest = tomllib.load(f)
    features = manifest.get("features", {})
    bundled = any("rusqlite/bundled" in f for name in features.get("default", []) for f in features.get(name, []))
    if any(n == "libsqlite3-sys" for n, _ in crates) and bundled:
        need(re.search(r"^SQLite\n-+\n", text, re.M) and re.search(r"SQLite is in the public\s+domain", text),
             "SQLite is bundled (default feature bundled-sqlite) but the notices do not name it as public domain")
        need("May you do good and not evil." in text, "SQLite's blessing is not in the notices")
    return len(listed)


def check_notices_file(path):
    need(Path(path).is_file(), f"no {path}")
    count = check_notices_text(Path(path).read_text(), shipped_crates())
    return f"{count} crates and SQLite"


def check_notices(dist):
    """Each artifact carries the same notices, naming every crate of the library."""
    swift_copy = dist / "swift" / NOTICES
    need(swift_copy.is_file(), f"swift/{NOTICES} is missing")
    reference = swift_copy.read_bytes()
    count = check_notices_text(reference.decode(), shipped_crates())
    folder = dist / "maven" / GROUP.replace(".", "/") / ARTIFACT / dist.name
    aars = sorted(folder.glob("*.aar"))
    carriers = []
    for aar in aars:
        with zipfile.ZipFile(aar) as outer:
            need("classes.jar" in outer.namelist(), f"{aar.name} has no classes.jar")
            with zipfile.ZipFile(io.BytesIO(outer.read("classes.jar"))) as classes:
                need(NOTICES_ENTRY in classes.namelist(), f"{aar.name}'s classes.jar has no {NOTICES_ENTRY}")
                need(classes.read(NOTICES_ENTRY) == reference, f"{aar.name}'s notices differ from swift/{NOTICES}")
        carriers.append(aar.name)
    if not aars:
        sources = folder / f"{ARTIFACT}-{dist.name}-sources.jar"
        need(sources.is_file(), f"neither an AAR nor the rendered sources jar in {folder}")
        with zipfile.ZipFile(sources) as jar:
            need(NOTICES_ENTRY in jar.namelist(), f"{sources.name} has no {NOTICES_ENTRY}")
            need(jar.read(NOTICES_ENTRY) == reference, f"{sources.name}'s notices differ from swift/{NOTICES}")
        carriers.append(sources.name + " (no AAR built)")
    return f"{count} crates and SQLite, in swift/{NOTICES} and " + ", ".join(carriers)


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
    # uniffi-rs#2917: Xcode 26 has no _Builtin_stdbool / _Builtin_stdint module
    # (platforms/ios/xcframework-headers.sh drops UniFFI's `use` lines for them).
    builtin = [line.strip() for line in modulemap.splitlines() if "_Builtin_" in line]
    need(not builtin, f"the module map still names Clang builtin modules: {builtin}")
    return "Headers/" + ", Headers/".join(found) + "; no _Builtin_ module"


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


def check_swift_tools():
    """platforms/ios/Package.swift: the tools version the layer's sources need,
    and Swift 5 language mode (the one the bindings are tested in)."""
    manifest = (IOS / "Package.swift").read_text()
    first = manifest.splitlines()[0]
    need(first == f"// swift-tools-version:{SWIFT_TOOLS}", f"Package.swift's first line is {first!r}, expected "
         f"// swift-tools-version:{SWIFT_TOOLS}")
    sources = "\n".join(p.read_text() for p in (IOS / "Sources").rglob("*.swift"))
    needs = sorted(f"{feature} ({why})" for feature, why in SWIFT_6_ONLY.items() if feature in sources)
    if needs:
        need(version_tuple(SWIFT_TOOLS) >= (6, 0), f"the layer uses {needs}: tools version 6.0 at least")
    need(re.search(r"^\s*swiftLanguageModes: \[\.v5\]", manifest, re.M),
         "tools 6 builds in Swift 6 language mode unless the package says swiftLanguageModes: [.v5]")
    return f"{SWIFT_TOOLS}, Swift 5 language mode" + (f"; the layer uses {', '.join(needs)}" if needs else "")


def check_swift_package(swift, version):
    manifest = (swift / "Package.swift").read_text()
    local_first = (IOS / "Package.swift").read_text().splitlines()[0]
    need(manifest.splitlines()[0] == local_first,
         f"the release Package.swift starts {manifest.splitlines()[0]!r}, platforms/ios' {local_first!r}")
    layer = sorted(p.name for p in (IOS / "Sources/MiniAppAuth").glob("*.swift"))
    need(layer, "platforms/ios/Sources/MiniAppAuth holds no layer sources")
    testing = sorted(p.name for p in (IOS / "Sources/MiniAppAuthTesting").glob("*.swift"))
    need(testing, "platforms/ios/Sources/MiniAppAuthTesting holds no sources")
    for path in ("Sources/MiniAppAuthBindings/MiniAppAuthBindings.swift", "Sources/MiniAppAuth/PrivacyInfo.xcprivacy",
                 *(f"Sources/MiniAppAuth/{name}" for name in layer),
                 *(f"Sources/MiniAppAuthTesting/{name}" for name in testing),
                 "LICENSE-MIT", "LICENSE-APACHE", NOTICES):
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
    tools = (data.get("toolsVersion") or {}).get("_version")
    need(tools == f"{SWIFT_TOOLS}.0", f"tools version {tools!r}, expected {SWIFT_TOOLS}.0")
    need(data.get("swiftLanguageVersions") == ["5"],
         f"Swift language modes {data.get('swiftLanguageVersions')!r}, expected ['5']")
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
    return (f"{form}: tools {tools}, Swift 5 mode, targets MiniAppAuth (resource PrivacyInfo.xcprivacy) over MiniAppAuthBindings "
            f"over MiniAppAuthFFI ({'path' if form == 'local' else 'url+checksum'}); MiniAppAuthTesting over MiniAppAuth")


def main():
    args = sys.argv[1:]
    if args[:1] == ["dist"] and len(args) in (2, 3):
        dist = Path(args[1]).resolve()
        version = dist.name
        pom = dist / "maven" / GROUP.replace(".", "/") / ARTIFACT / version / f"{ARTIFACT}-{version}.pom"
        check("pom", check_pom, pom, version)
        check("project URL", check_project_url, dist, version, args[2] if len(args) == 3 else None)
        check("gradle uses the catalog and Cargo.toml", check_gradle_uses_catalog)
        check("gradle buildRust declares its inputs and outputs", check_build_rust_task)
        check("licence notices", check_notices, dist)
        check("no JNA older than 5.17", check_no_old_jna)
        check("xcframework headers", check_headers, dist / "ios" / "Headers")
        check("privacy manifest", check_privacy, IOS / "Sources" / "MiniAppAuth" / "PrivacyInfo.xcprivacy")
        check("swift tools version", check_swift_tools)
        check("swift package (release form)", check_swift_package, dist / "swift", version)
    elif args[:1] == ["same-dependencies"] and len(args) == 3:
        check("gradle's POM = rendered POM", same_dependencies, Path(args[1]), Path(args[2]))
    elif args[:1] == ["notices"] and len(args) == 2:
        check("licence notices", check_notices_file, args[1])
    elif args[:1] == ["build-rust-task"] and len(args) == 1:
        check("gradle buildRust declares its inputs and outputs", check_build_rust_task)
    elif args[:1] == ["dump-package"] and len(args) == 4 and args[2] in ("local", "release"):
        check(f"swift package dump-package ({args[2]})", check_dump_package, args[1], args[2], args[3])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
