// swift-tools-version:6.0
import Foundation
import PackageDescription

// The benchmarks, apart from the tests: `Benchmarks/run.sh NAME` builds them in release and runs one.
// The root package is a path dependency; its identity is its directory's name, whatever the clone is called.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

let package = Package(
    name: "tickpipe-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        // book's and feed's cores measured in memory, like the peers' own figures.
        .executableTarget(
            name: "book-bench",
            dependencies: [
                .product(name: "IPC", package: root.lastPathComponent),
                .product(name: "BookCore", package: root.lastPathComponent),
            ]
        ),
        .executableTarget(
            name: "decode-bench",
            dependencies: [
                .product(name: "IPC", package: root.lastPathComponent),
                .product(name: "FeedCore", package: root.lastPathComponent),
            ]
        ),
        .executableTarget(
            name: "sign-bench",
            dependencies: [
                .product(name: "IPC", package: root.lastPathComponent),
                .product(name: "BinanceAPI", package: root.lastPathComponent),
            ]
        ),
        .executableTarget(
            name: "ipc-bench",
            dependencies: [
                .product(name: "IPC", package: root.lastPathComponent),
                .product(name: "CMallocCounter", package: root.lastPathComponent),
            ]
        ),
    ]
)
