// swift-tools-version:6.0
import PackageDescription

/// tickpipe: a multi-process market-making pipeline over shared-memory rings.
///
/// No package dependencies: Glibc, the standard library, Synchronization and
/// small C targets of our own (`CPlatform` for what Swift cannot say itself).
let package = Package(
    name: "tickpipe",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "IPC", targets: ["IPC"]),
        .executable(name: "feed", targets: ["feed"]),
        .executable(name: "book", targets: ["book"]),
        .executable(name: "signal", targets: ["signal"]),
        .executable(name: "exec", targets: ["exec"]),
        .executable(name: "risk", targets: ["risk"]),
        // What feed and exec link, for the benchmarks and fuzz targets that compile their sources.
        .library(name: "CPlatform", targets: ["CPlatform"]),
        .library(name: "CZlib", targets: ["CZlib"]),
        .library(name: "COpenSSL", targets: ["COpenSSL"]),
        // For tests and benchmarks only: a malloc interposer that counts per thread.
        .library(name: "CMallocCounter", targets: ["CMallocCounter"]),
    ],
    targets: [
        // pause hint, rdtsc, futex, CPU affinity: the few things Swift has no words for.
        .target(name: "CPlatform"),
        // zlib from the system (zlib1g-dev), for gzip recordings.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // OpenSSL from the system (libssl-dev): TLS to the venue, SHA-1 for the WebSocket handshake.
        .systemLibrary(name: "COpenSSL", providers: [.apt(["libssl-dev"])]),
        .target(name: "IPC", dependencies: ["CPlatform"]),
        .executableTarget(name: "feed", dependencies: ["IPC", "CZlib", "COpenSSL"]),
        .executableTarget(name: "book", dependencies: ["IPC"]),
        .executableTarget(name: "signal", dependencies: ["IPC"]),
        .executableTarget(name: "exec", dependencies: ["IPC", "CPlatform"]),
        .executableTarget(name: "risk", dependencies: ["IPC"]),

        // Test-only parts: a malloc interposer linked only into the tests, and a
        // small peer executable the multi-process ring tests start as real processes.
        .target(name: "CMallocCounter", path: "Tests/CMallocCounter"),
        .executableTarget(name: "RingPeer", dependencies: ["IPC"], path: "Tests/RingPeer"),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "IPCTests",
            dependencies: ["IPC", "CPlatform", "CMallocCounter", "RingPeer", "TestSupport"]
        ),
        // feed and book: decoders, sequence rules, and real pipelines on the real recordings.
        .testTarget(
            name: "MarketDataTests",
            dependencies: ["IPC", "feed", "book", "TestSupport", "CMallocCounter"]
        ),
        // signal (and, as they arrive, exec and risk): strategies against hand-worked values.
        .testTarget(
            name: "TradingTests",
            dependencies: ["IPC", "signal", "exec", "feed", "book", "TestSupport", "CMallocCounter"]
        ),
        // Multi-process stress: real producer and consumer processes on one ring.
        .testTarget(
            name: "IPCStressTests",
            dependencies: ["IPC", "RingPeer", "TestSupport"]
        ),
    ]
)
