// swift-tools-version:6.0
import PackageDescription

/// tickpipe: a multi-process market-making pipeline over shared-memory rings.
///
/// No package dependencies: Glibc, the standard library, Synchronization and
/// small C targets of our own (`CPlatform` for what Swift cannot say itself).
/// The tests start the tools as processes: `swift build --build-tests` (what `swift test` runs)
/// builds every executable here beside the test bundle.
let package = Package(
    name: "tickpipe",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "IPC", targets: ["IPC"]),
        // TLS sockets, the WebSocket and HTTP clients and the JSON scanner the venue code shares.
        .library(name: "Network", targets: ["Network"]),
        // Binance's spot WebSocket API: keys, signing, requests, answers, the session.
        .library(name: "BinanceAPI", targets: ["BinanceAPI"]),
        // Each stage's core, for tests, benchmarks, fuzz targets and packages of your own.
        .library(name: "FeedCore", targets: ["FeedCore"]),
        .library(name: "BookCore", targets: ["BookCore"]),
        .library(name: "SignalCore", targets: ["SignalCore"]),
        .library(name: "ExecCore", targets: ["ExecCore"]),
        .library(name: "RiskCore", targets: ["RiskCore"]),
        // A replay through the cores in one thread, for a strategy's own tests.
        .library(name: "StrategyHarness", targets: ["StrategyHarness"]),
        .executable(name: "feed", targets: ["feed"]),
        .executable(name: "book", targets: ["book"]),
        .executable(name: "signal", targets: ["signal"]),
        .executable(name: "exec", targets: ["exec"]),
        .executable(name: "risk", targets: ["risk"]),
        // For tests and benchmarks only: a malloc interposer that counts per thread.
        .library(name: "CMallocCounter", targets: ["CMallocCounter"])
    ],
    targets: [
        // pause hint, rdtsc, futex, CPU affinity: the few things Swift has no words for.
        .target(name: "CPlatform"),
        // zlib from the system (zlib1g-dev), for gzip recordings.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // OpenSSL from the system (libssl-dev): TLS to the venue, SHA-1 for the WebSocket handshake.
        .systemLibrary(name: "COpenSSL", providers: [.apt(["libssl-dev"])]),
        // Frames, rings, pipes, the session's control block, the agent runner, the syscall layer.
        .target(name: "IPC", dependencies: ["CPlatform"]),

        // Each stage: a library core (Sources/<stage>/Core) and a thin executable over it
        // (Sources/<stage>/Tool: main.swift, wiring the options to the core).
        // Connections to a venue, non-blocking: TLS through the system's OpenSSL, WebSocket,
        // HTTP/1.1, and the JSON scanner its payloads are read with. feed was the first to need it.
        .target(name: "Network", dependencies: ["IPC", "COpenSSL"], path: "Sources/feed/Network"),
        .target(name: "FeedCore", dependencies: ["IPC", "Network", "CZlib"], path: "Sources/feed/Core"),
        .executableTarget(name: "feed", dependencies: ["FeedCore", "IPC"], path: "Sources/feed/Tool"),
        .target(name: "BookCore", dependencies: ["IPC"], path: "Sources/book/Core"),
        .executableTarget(name: "book", dependencies: ["BookCore", "IPC"], path: "Sources/book/Tool"),
        .target(name: "SignalCore", dependencies: ["IPC", "BookCore", "Network"], path: "Sources/signal/Core"),
        .executableTarget(name: "signal", dependencies: ["SignalCore", "IPC"], path: "Sources/signal/Tool"),
        // The spot WebSocket API (keys, signing, requests, answers, sessions): exec's live venue
        // and risk's own kill session.
        .target(
            name: "BinanceAPI", dependencies: ["IPC", "Network", "COpenSSL", "CPlatform"],
            path: "Sources/exec/Binance"),
        .target(
            name: "ExecCore", dependencies: ["IPC", "CPlatform", "Network", "BinanceAPI"], path: "Sources/exec/Core"),
        .executableTarget(name: "exec", dependencies: ["ExecCore", "IPC"], path: "Sources/exec/Tool"),
        .target(name: "RiskCore", dependencies: ["IPC", "Network", "BinanceAPI"], path: "Sources/risk/Core"),
        .executableTarget(name: "risk", dependencies: ["RiskCore", "IPC"], path: "Sources/risk/Tool"),
        // feed's replay, book, signal and exec's paper venue in one thread, in the processes' order.
        .target(
            name: "StrategyHarness", dependencies: ["IPC", "FeedCore", "BookCore", "SignalCore", "ExecCore"],
            path: "Sources/signal/Harness"),

        // Test-only parts: a malloc interposer linked only into the tests, and a
        // small peer executable the multi-process ring tests start as real processes.
        .target(name: "CMallocCounter", path: "Tests/CMallocCounter"),
        .executableTarget(name: "RingPeer", dependencies: ["IPC"], path: "Tests/RingPeer"),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // The Examples/ strategy package's strategy, compiled into the tests too: the harness runs
        // it in-process beside the package's own signal under run.sh (StrategyGuideTests).
        .target(
            name: "ExampleStrategy", dependencies: ["IPC", "SignalCore"],
            path: "Examples/strategy-package/Sources/FillCooldown"),
        .testTarget(
            name: "IPCTests",
            dependencies: ["IPC", "CPlatform", "CMallocCounter", "RingPeer", "TestSupport"]
        ),
        // feed and book: decoders, sequence rules, and real pipelines on the real recordings.
        .testTarget(
            name: "MarketDataTests",
            dependencies: ["IPC", "FeedCore", "BookCore", "TestSupport", "CMallocCounter"]
        ),
        // signal, exec and risk: strategies against hand-worked values, the trading path as processes.
        .testTarget(
            name: "TradingTests",
            dependencies: [
                "IPC", "SignalCore", "ExecCore", "RiskCore", "FeedCore", "BookCore", "BinanceAPI", "Network",
                "StrategyHarness", "TestSupport", "CMallocCounter", "ExampleStrategy"
            ]
        ),
        // Multi-process stress: real producer and consumer processes on one ring.
        .testTarget(
            name: "IPCStressTests",
            dependencies: ["IPC", "RingPeer", "TestSupport"]
        )
    ]
)
