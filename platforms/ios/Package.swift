// swift-tools-version:6.0
// The Swift package iOS hosts depend on. For a local build run
// ./build-xcframework.sh first: it makes MiniAppAuthFFI.xcframework and
// Sources/MiniAppAuthBindings/MiniAppAuthBindings.swift (the generated bindings,
// an implementation detail under the hand-written layer in Sources/MiniAppAuth,
// which is what hosts import). scripts/release.sh writes the release
// form of this file (dist/VERSION/swift/Package.swift), in which the line
// marked below names the zipped XCFramework by URL and checksum.
import PackageDescription

// The FFI binary target (release.sh replaces this line).
let ffi: Target = .binaryTarget(name: "MiniAppAuthFFI", path: "MiniAppAuthFFI.xcframework")

let package = Package(
    name: "MiniAppAuth",
    platforms: [.iOS(.v13)],
    products: [
        .library(name: "MiniAppAuth", targets: ["MiniAppAuth"]),
        // For a host's test targets only: ScriptedConsentUi and Fixtures.
        .library(name: "MiniAppAuthTesting", targets: ["MiniAppAuthTesting"]),
    ],
    targets: [
        ffi,
        .target(
            name: "MiniAppAuthBindings",
            dependencies: ["MiniAppAuthFFI"],
            path: "Sources/MiniAppAuthBindings"
        ),
        .target(
            name: "MiniAppAuth",
            dependencies: ["MiniAppAuthBindings"],
            path: "Sources/MiniAppAuth",
            // The privacy manifest: what the library (Rust core and bundled
            // SQLite) does that Apple asks SDKs to declare.
            resources: [.copy("PrivacyInfo.xcprivacy")]
        ),
        // The test seams (docs/host-guide.md: "Unit-testing host code"): a
        // scripted ConsentUi and fixtures, over the layer's public API (and the
        // package-level initialisers of the values the engine hands out).
        .target(
            name: "MiniAppAuthTesting",
            dependencies: ["MiniAppAuth"],
            path: "Sources/MiniAppAuthTesting"
        ),
    ],
    // Tools version 6.0: the layer needs the Swift 6 compiler (#isolation in
    // HotPath.swift). Its packages default to Swift 6 language mode, in which
    // Swift 6.0.3 crashes on UniFFI's generated code; Swift 5 mode is the one the
    // bindings are tested in (docs/host-guide.md: "Swift language modes").
    swiftLanguageModes: [.v5]
)
