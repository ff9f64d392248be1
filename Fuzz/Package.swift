// swift-tools-version:6.0
import Foundation
import PackageDescription

// Coverage-guided fuzzing (libFuzzer) of every parser that reads input from outside:
// `Fuzz/run.sh TARGET SECONDS` builds `tickpipe-fuzz` with `--sanitize=fuzzer` and runs one
// target; see docs/fuzzing.md. The root package is a path dependency; its identity is its
// directory's name, whatever the clone is called.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

let package = Package(
    name: "tickpipe-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        // One binary, every target (picked by --target=NAME), over feed's, book's and exec's
        // cores; libFuzzer supplies main. Fuzz/run.sh builds with -enable-testing: the targets
        // drive the parsers' internal entry points, as the unit tests do (`@testable import`).
        .executableTarget(
            name: "tickpipe-fuzz",
            dependencies: [
                .product(name: "IPC", package: root.lastPathComponent),
                .product(name: "Network", package: root.lastPathComponent),
                .product(name: "BinanceAPI", package: root.lastPathComponent),
                .product(name: "FeedCore", package: root.lastPathComponent),
                .product(name: "BookCore", package: root.lastPathComponent),
                .product(name: "ExecCore", package: root.lastPathComponent),
                .product(name: "SignalCore", package: root.lastPathComponent),
            ]
        ),
    ]
)
