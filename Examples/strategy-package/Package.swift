// swift-tools-version:6.0
// A strategy of your own, outside tickpipe: a library with the strategy and a `my-signal`
// executable that is tickpipe's signal with it registered (docs/strategies.md).
import PackageDescription

let package = Package(
    name: "strategy-package",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "my-signal", targets: ["my-signal"]),
        .library(name: "FillCooldown", targets: ["FillCooldown"])
    ],
    dependencies: [
        // Your own package names tickpipe by URL (and a tag); this example sits inside it.
        .package(name: "tickpipe", path: "../..")
    ],
    targets: [
        .target(
            name: "FillCooldown",
            dependencies: [
                .product(name: "SignalCore", package: "tickpipe"), .product(name: "IPC", package: "tickpipe")
            ]
        ),
        .executableTarget(
            name: "my-signal",
            dependencies: ["FillCooldown", .product(name: "SignalCore", package: "tickpipe")]
        )
    ]
)
