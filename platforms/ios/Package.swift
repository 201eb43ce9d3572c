// swift-tools-version:5.9
// The Swift package iOS hosts depend on. Run ./build-xcframework.sh first: it
// makes MiniAppAuthFFI.xcframework and Sources/MiniAppAuth/MiniAppAuth.swift.
import PackageDescription

let package = Package(
    name: "MiniAppAuth",
    platforms: [.iOS(.v13)],
    products: [
        .library(name: "MiniAppAuth", targets: ["MiniAppAuth"]),
    ],
    targets: [
        .binaryTarget(name: "MiniAppAuthFFI", path: "MiniAppAuthFFI.xcframework"),
        .target(
            name: "MiniAppAuth",
            dependencies: ["MiniAppAuthFFI"],
            // Tools version 5.9 builds in Swift 5 language mode, the mode the
            // generated bindings are tested in (docs/host-guide.md: "The bindings", Swift language modes).
            path: "Sources/MiniAppAuth"
        ),
    ]
)
