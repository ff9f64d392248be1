import Foundation
import TestSupport
import XCTest

@testable import FeedCore

/// `feed | book --out - | signal` as real processes.
final class SignalPipelineTests: XCTestCase {
    struct Intent: Decodable, Equatable {
        struct Side: Decodable, Equatable {
            let price: String
            let size: String
        }
        let symbol: String
        let bid: Side?
        let ask: Side?
    }

    func pipeline(_ feedArguments: [String], _ signalArguments: [String] = [], book bookArguments: [String] = []) throws
        -> (intents: [Intent], feed: Int32, book: (status: Int32, err: String), signal: (status: Int32, err: String))
    {
        let feed = try ChildProcess("feed", feedArguments, handsOnStdout: true)
        let book = try ChildProcess(
            "book", ["--out", "-"] + bookArguments, stdin: feed.stdoutHandle, handsOnStdout: true)
        let signal = try ChildProcess("signal", signalArguments, stdin: book.stdoutHandle)
        let signalResult = signal.finish()
        let bookResult = book.finish()
        let feedResult = feed.finish()
        let intents = try signalResult.out.split(separator: "\n").map {
            try JSONDecoder().decode(Intent.self, from: Data($0.utf8))
        }
        return (
            intents, feedResult.status, (bookResult.status, bookResult.err), (signalResult.status, signalResult.err)
        )
    }

    func testSyntheticMarketGetsTwoSidedQuotesThatDoNotCross() throws {
        let run = try pipeline(["--duration", "2"], ["--strategy", "as", "--quote-size", "0.5"])
        XCTAssertEqual(run.feed, 0)
        XCTAssertEqual(run.book.status, 0, run.book.err)
        XCTAssertEqual(run.signal.status, 0, run.signal.err)
        XCTAssertGreaterThan(run.intents.count, 5)
        for intent in run.intents {
            XCTAssertEqual(intent.symbol, "SYNUSDT")
            let bid = try XCTUnwrap(intent.bid)
            let ask = try XCTUnwrap(intent.ask)
            XCTAssertLessThan(Double(bid.price)!, Double(ask.price)!)
            XCTAssertEqual(bid.size, "0.500")
        }
        XCTAssertTrue(run.signal.err.contains("signal: \(run.intents.count) quote intents"), run.signal.err)
    }

    func testPairsQuotesBothLegsOfTheSyntheticPair() throws {
        let run = try pipeline(
            ["--symbols", "AAA,BBB", "--speed", "20", "--duration", "4"],
            ["--strategy", "pairs", "--entry-z", "1.5", "--quote-size", "0.5"])
        XCTAssertEqual(run.signal.status, 0, run.signal.err)
        let legs = Set(run.intents.map(\.symbol))
        XCTAssertEqual(legs, ["AAA", "BBB"])
        XCTAssertTrue(run.intents.contains { $0.bid != nil || $0.ask != nil }, "the spread moved enough to trade")
        XCTAssertFalse(run.signal.err.contains("is defined: nothing is quoted"), run.signal.err)

        // One symbol: no pair, said once after 5 s of market time, not left to silence.
        let alone = try pipeline(
            ["--symbols", "AAA", "--speed", "20", "--duration", "8"], ["--strategy", "pairs", "--quote-size", "0.5"])
        XCTAssertEqual(alone.signal.status, 0, alone.signal.err)
        XCTAssertEqual(alone.intents, [])
        let said = alone.signal.err.split(separator: "\n").filter { $0.contains("is defined: nothing is quoted") }
        XCTAssertEqual(
            said,
            [
                "signal: --strategy pairs trades the first two instruments as a pair; after 5 s only AAA is defined: "
                    + "nothing is quoted (give two symbols)"
            ], alone.signal.err)
    }

    func testMomentumLeansOneSided() throws {
        let run = try pipeline(
            ["--speed", "20", "--duration", "3"], ["--strategy", "momentum", "--threshold", "0.0005", "--window", "2"])
        XCTAssertEqual(run.signal.status, 0, run.signal.err)
        XCTAssertTrue(run.intents.contains { ($0.bid == nil) != ($0.ask == nil) }, "at least one one-sided lean")
    }

    func testAnInvalidBookCancelsTheQuotes() throws {
        let data = try sharedDataDirectory()
        // The recording with one diff removed after the snapshot: the book finds a gap.
        let reader = try LineReader(path: "\(data)/binance-spot/btcusdt_20240808.gz")
        var lines: [String] = []
        while let line = try reader.nextLine() { lines.append(String(decoding: line, as: UTF8.self)) }
        let snapshot = lines.firstIndex { $0.contains("lastUpdateId") }!
        let dropped = lines.indices.filter { $0 > snapshot && lines[$0].contains("@depth@100ms") }[200]
        lines.remove(at: dropped)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-signal-gap-\(getpid()).txt")
            .path
        defer { unlink(path) }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)

        let run = try pipeline(
            ["--replay", path, "--exchange-info", "\(data)/cryptofeed/BINANCE.0"],
            ["--strategy", "fixed", "--spread-ticks", "10", "--quote-size", "0.01", "--min-requote-ms", "0"])
        XCTAssertEqual(run.signal.status, 0, run.signal.err)
        XCTAssertTrue(run.book.err.contains("gap: update"), run.book.err)
        let last = try XCTUnwrap(run.intents.last)
        XCTAssertNil(last.bid, "after the gap nothing rests on a stale price")
        XCTAssertNil(last.ask)
        XCTAssertGreaterThan(run.intents.filter { $0.bid != nil }.count, 10, "quotes were live before the gap")
    }

    /// A strategy reading book levels gets them from book's deltas; without them it is told once.
    func testTheImbalanceStrategyQuotesFromBookLevelsThatBooksDeltasCarry() throws {
        let data = try sharedDataDirectory()
        let replay = [
            "--replay", "\(data)/binance-spot/btcusdt_20240808.gz", "--exchange-info", "\(data)/cryptofeed/BINANCE.0"
        ]
        let strategy = [
            "--strategy", "imbalance", "--levels", "10", "--lean-ticks", "20", "--quote-size", "0.01",
            "--min-requote-ms", "0"
        ]
        let run = try pipeline(replay, strategy, book: ["--pass-deltas"])
        XCTAssertEqual(run.signal.status, 0, run.signal.err)
        XCTAssertGreaterThan(run.intents.count, 300)
        for intent in run.intents {
            let (bid, ask) = (try XCTUnwrap(intent.bid), try XCTUnwrap(intent.ask))
            XCTAssertLessThan(Double(bid.price)!, Double(ask.price)!)
        }
        XCTAssertFalse(run.signal.err.contains("no deltas"), run.signal.err)

        let withoutDeltas = try pipeline(replay, strategy)
        XCTAssertEqual(withoutDeltas.signal.status, 0, withoutDeltas.signal.err)
        XCTAssertEqual(withoutDeltas.intents.count, 0, "no levels, no quotes")
        XCTAssertTrue(
            withoutDeltas.signal.err.contains(
                "signal: --strategy imbalance reads 10 book levels a side, and its input carries book tops but no "
                    + "deltas: run book with --pass-deltas"), withoutDeltas.signal.err)
    }

    func testBadStrategyParametersAreOneLineAndExitHundred() throws {
        for (arguments, message) in [
            (
                ["--strategy", "magic"],
                "signal: --strategy 'magic': expected as, fixed, band, momentum, pairs, imbalance, grid, ema, rsi, "
                    + "bollinger, combined or external"
            ),
            (
                ["--strategy", "pairs", "--entry-z", "1", "--exit-z", "2"],
                "signal: --exit-z 2.0 must be below --entry-z 1.0"
            ),
            (["--gamma", "-1"], "signal: --gamma '-1': expected a number in 1e-09...1000000.0"),
            (
                ["--strategy", "band", "--spread-ticks", "3"],
                "signal: --spread-ticks is not a parameter of --strategy band (its own: step-ms, vol-mult, skew-ticks; "
                    + "every strategy's: quote-size, max-position, min-requote-ms, min-move-ticks)"
            ),
            (["--kappa", "zero"], "signal: --kappa 'zero': expected a positive number or estimate"),
            (["--horizon", "0"], "signal: --horizon '0': expected seconds or inf"),
            (
                ["--out", "-", "--pass-through", "--pass-tops"],
                "signal: --pass-through and --pass-tops: one or the other"
            ),
            (["--pass-tops"], "signal: --pass-through and --pass-tops go with --out"),
            (["--report-latency-ms", "5"], "signal: --report-latency-ms goes with --positions"),
            (
                ["--positions", "shm:x", "--report-latency-ms", "0"],
                "signal: --report-latency-ms '0': expected milliseconds above 0 up to 60000 (a strategy sees a report "
                    + "after what caused it), or arrival"
            ),
            (
                ["--positions", "shm:x", "--report-latency-ms", "5"],
                "signal: --positions merged in market time needs rings in and out (--in shm:NAME --out shm:NAME: "
                    + "exec reads how far signal has come); --report-latency-ms arrival reads it as it arrives"
            )
        ] {
            let result = try ChildProcess("signal", arguments).finish()
            XCTAssertEqual(result.status, 100, "\(arguments): \(result.err)")
            XCTAssertTrue(result.err.hasPrefix(message + "\nusage: signal "), "\(arguments): \(result.err)")
        }
    }

    func testAStrategyFileSetsTheParametersAndTheCommandLineOverridesThem() throws {
        let data = try sharedDataDirectory()
        let replay = [
            "--replay", "\(data)/binance-spot/btcusdt_20240808.gz", "--exchange-info", "\(data)/cryptofeed/BINANCE.0"
        ]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-strategy-\(getpid()).conf")
            .path
        defer { unlink(path) }
        try "# fixed spread on BTCUSDT\nstrategy = fixed\n\nspread-ticks = 6   # wide\nquote-size = 0.02\n".write(
            toFile: path, atomically: true, encoding: .utf8)

        let fromFile = try pipeline(replay, ["--config", path, "--quote-size", "0.01"])
        let fromFlags = try pipeline(replay, ["--strategy", "fixed", "--spread-ticks", "6", "--quote-size", "0.01"])
        XCTAssertEqual(fromFile.signal.status, 0, fromFile.signal.err)
        XCTAssertGreaterThan(fromFile.intents.count, 10)
        XCTAssertEqual(
            fromFile.intents, fromFlags.intents, "the file's parameters, with --quote-size from the command line")
        XCTAssertEqual(fromFile.intents.compactMap(\.bid).first?.size, "0.01000000")
    }

    func testABadStrategyFileIsNamedWithItsLine() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tickpipe-bad-strategy-\(getpid()).conf"
        ).path
        defer { unlink(path) }
        for (text, message) in [
            ("strategy = as\ngama = 0.1\n", "signal: \(path):2: 'gama' is not a strategy parameter ("),
            (
                "strategy = as\n# comment\ngamma = -1\n",
                "signal: \(path):3: gamma '-1': expected a number in 1e-09...1000000.0"
            ),
            ("strategy as\n", "signal: \(path):1: expected name = value, got 'strategy as'"),
            ("gamma = 0.1\ngamma = 0.2\n", "signal: \(path):2: gamma already set on line 1"),
            ("kappa =\n", "signal: \(path):1: kappa needs a value"),
            (
                "strategy = fixed\ngamma = 0.1\n",
                "signal: \(path):2: gamma is not a parameter of --strategy fixed (its own: spread-ticks; every "
                    + "strategy's: quote-size, max-position, min-requote-ms, min-move-ticks)"
            ),
            (
                "strategy = magic\n",
                "signal: \(path):1: strategy 'magic': expected as, fixed, band, momentum, pairs, imbalance, grid, "
                    + "ema, rsi, bollinger, combined or external"
            )
        ] {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let result = try ChildProcess("signal", ["--config", path]).finish()
            // A file the user named is bad input (1), one line, not a usage error.
            XCTAssertEqual(result.status, 1, "\(text): \(result.err)")
            XCTAssertTrue(result.err.hasPrefix(message), "\(text): \(result.err)")
            XCTAssertFalse(result.err.contains("usage:"), result.err)
        }
        // run.sh checks every command line this way before it starts anything.
        try "strategy = fixed\n".write(toFile: path, atomically: true, encoding: .utf8)
        let valid = try ChildProcess(
            "signal", ["--config", path, "--in", "shm:tickpipe.nothing-here", "--check-options"]
        ).finish(timeout: 10)
        XCTAssertEqual(valid.status, 0, "valid options, and nothing opened: \(valid.err)")
        XCTAssertEqual(valid.err, "")
        let missing = try ChildProcess("signal", ["--config", path + ".absent"]).finish()
        XCTAssertEqual(missing.status, 1, missing.err)
        XCTAssertTrue(missing.err.hasPrefix("signal: --config \(path).absent: No such file or directory"), missing.err)
    }
}
