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
        // One binary, every target (picked by --target=NAME): it compiles feed's, book's and
        // exec's sources (symlinks to ../Sources/<tool>, as the benchmarks do) without their mains;
        // libFuzzer supplies main.
        .executableTarget(
            name: "tickpipe-fuzz",
            dependencies: [
                .product(name: "IPC", package: root.lastPathComponent),
                .product(name: "CZlib", package: root.lastPathComponent),
                .product(name: "COpenSSL", package: root.lastPathComponent),
            ],
            exclude: ["feed/main.swift", "book/main.swift", "exec/main.swift"]
        ),
    ]
)
