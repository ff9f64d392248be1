import Foundation
import Glibc
import IPC
import TestSupport
import XCTest

@testable import FeedCore

/// The tools as a user runs them: composed with a pipe or by ring names, fed bad input and bad
/// flags; every failure one clear line and a documented exit code.
final class ToolCompositionTests: XCTestCase {
    func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-\(getpid())-\(name)").path
    }

    /// `book --json --trades --depth 5` on a real recording: each line a top or a trade, every
    /// line of a type with the same fields, each field of one type (or null); every trade feed
    /// replayed is there; the levels are the book's, best first.
    func testBookJSONCarriesTradesAndLevelsWithOneTypePerField() throws {
        let data = try sharedDataDirectory()
        let run = try runPipeline(
            "feed",
            ["--replay", "\(data)/binance-spot/btcusdt_20240808.gz", "--exchange-info", "\(data)/cryptofeed/BINANCE.0"],
            "book", ["--json", "--trades", "--depth", "5"])
        XCTAssertEqual(run.firstStatus, 0, run.firstErrors)
        XCTAssertEqual(run.secondStatus, 0, run.secondErrors)
        // feed: replayed 41249 messages: 3451 depth, 1 snapshots, 9757 trades, …
        let replayed = try XCTUnwrap(run.firstErrors.split(separator: ",").first { $0.hasSuffix(" trades") })
        let trades = try XCTUnwrap(Int(replayed.split(separator: " ")[0]), run.firstErrors)
        var fields: [String: Set<String>] = [:]
        var kinds: [String: Set<String>] = [:]
        var counts: [String: Int] = [:]
        for line in run.output.split(separator: "\n") {
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let type = try XCTUnwrap(object["type"] as? String, String(line))
            counts[type, default: 0] += 1
            if let known = fields[type] {
                XCTAssertEqual(Set(object.keys), known, String(line))
            } else {
                fields[type] = Set(object.keys)
            }
            for (key, value) in object where !(value is NSNull) {
                let kind =
                    value is String ? "string" : value is [Any] ? "array" : value is NSNumber ? "number" : "other"
                kinds["\(type).\(key)", default: []].insert(kind)
            }
            guard type == "top", object["valid"] as? Bool == true else { continue }
            let bids = try XCTUnwrap(object["bids"] as? [[String: String]])
            let asks = try XCTUnwrap(object["asks"] as? [[String: String]])
            XCTAssertTrue((1...5).contains(bids.count) && (1...5).contains(asks.count), String(line))
            XCTAssertEqual(bids.first?["price"], object["bid"] as? String)
            XCTAssertEqual(asks.first?["size"], object["ask_size"] as? String)
            let bidPrices = bids.compactMap { $0["price"].flatMap { Decimal(string: $0) } }
            let askPrices = asks.compactMap { $0["price"].flatMap { Decimal(string: $0) } }
            XCTAssertEqual(bidPrices, bidPrices.sorted(by: >), "bids best first: \(line)")
            XCTAssertEqual(askPrices, askPrices.sorted(), "asks best first: \(line)")
        }
        XCTAssertEqual(counts["trade"], trades, "every trade a line")
        XCTAssertGreaterThan(counts["top"] ?? 0, 1_000)
        XCTAssertEqual(Set(counts.keys), ["top", "trade"])
        for (field, seen) in kinds { XCTAssertEqual(seen.count, 1, "\(field) is \(seen.sorted())") }
        XCTAssertEqual(
            fields["trade"],
            ["type", "symbol", "trade_id", "event_time_ns", "receive_time_ns", "price", "size", "aggressor"])
    }

    func testFeedPipedIntoBookDumpNeedsNoArguments() throws {
        let run = try runPipeline("feed", ["--duration", "1"], "book", [])
        XCTAssertEqual(run.firstStatus, 0, run.firstErrors)
        XCTAssertEqual(run.secondStatus, 0, run.secondErrors)
        XCTAssertTrue(run.output.contains("SYNUSDT  update "), run.output)
        XCTAssertTrue(run.output.contains("  valid  "), run.output)
        XCTAssertTrue(run.output.contains("effective spread (VWAP buy - VWAP sell, vs mid):"), run.output)
        XCTAssertTrue(run.firstErrors.hasPrefix("feed: synthetic market, "), run.firstErrors)
    }

    func testToolsComposeThroughRingsStartedInEitherOrder() throws {
        let ring = "tickpipe.compose\(getpid()).md"
        defer { unlink("/dev/shm/\(ring)") }
        // The reader first: it waits for the ring, saying so every 2 s; the feed waits for its reader.
        let book = try ChildProcess("book", ["--in", "shm:\(ring)", "--json"])
        usleep(2_500_000)
        XCTAssertTrue(
            book.errorsSoFar.contains(
                "book: waiting for shm:\(ring): no such ring yet (its producer makes it); 2 s of 10"),
            book.errorsSoFar)
        let feed = try ChildProcess("feed", ["--out", "shm:\(ring)", "--duration", "1", "--symbols", "AAA,BBB"])
        let fed = feed.finish()
        let booked = book.finish()
        XCTAssertEqual(fed.status, 0, fed.err)
        XCTAssertEqual(booked.status, 0, booked.err)
        let lines = booked.out.split(separator: "\n")
        XCTAssertTrue(lines.contains { $0.contains("\"symbol\":\"AAA\"") })
        XCTAssertTrue(lines.contains { $0.contains("\"symbol\":\"BBB\"") })
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/dev/shm/\(ring)"), "the producer removes its ring")
    }

    func testSessionStatusShowsTheRingsAndTheProcessesAndNothingIsLeftBehind() throws {
        let session = "status\(getpid())"
        let ring = "tickpipe.\(session).md"
        let book = try ChildProcess("book", ["--in", "shm:\(ring)", "--json", "--session", session])
        let feed = try ChildProcess("feed", ["--out", "shm:\(ring)", "--duration", "2", "--session", session])
        usleep(1_000_000)
        let status = try ChildProcess("risk", ["status", session]).finish()
        XCTAssertEqual(feed.finish().status, 0)
        XCTAssertEqual(book.finish().status, 0)
        XCTAssertEqual(status.status, 0, status.err)
        let lines = status.out.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[0].hasPrefix("session \(session): control block created by pid "), status.out)
        XCTAssertTrue(lines.contains("instruments: 1=SYNUSDT"), status.out)
        XCTAssertTrue(
            lines.contains {
                $0.hasPrefix("feed") && $0.contains("\(feed.pid)") && $0.contains("running")
                    && $0.hasSuffix("synthetic SYNUSDT")
            }, status.out)
        XCTAssertTrue(
            lines.contains { $0.hasPrefix("book") && $0.contains("\(book.pid)") && $0.contains("running") }, status.out)
        XCTAssertTrue(lines.contains { $0.hasPrefix(ring) && $0.contains("\(feed.pid)") }, status.out)
        XCTAssertTrue(lines.contains { $0.contains("#0 gating blocking") && $0.contains("\(book.pid)") }, status.out)
        let left = try FileManager.default.contentsOfDirectory(atPath: "/dev/shm").filter {
            $0.hasPrefix("tickpipe.\(session).")
        }
        XCTAssertEqual(left, [], "the ring's producer and the last process out remove their segments")
    }

    func testBookAsksTheFeedForAResyncThroughTheSession() throws {
        let data = try sharedDataDirectory()
        let session = try SessionName("resync\(getpid())")
        // Held open by the test, so it outlives the tools and can be read afterwards.
        let block = try ControlBlock.create(session.controlBlock, instruments: [])
        defer { try? block.unlink() }
        // A recording with one diff removed after the snapshot: the book finds the gap.
        let path = temporaryPath("gap.txt")
        defer { unlink(path) }
        let lines = try InjectedFaultTests.recordingLines("\(data)/binance-spot/btcusdt_20240808.gz")
        let snapshot = lines.firstIndex { $0.contains("lastUpdateId") }!
        let dropped = lines.indices.filter { $0 > snapshot && lines[$0].contains("@depth@100ms") }[50]
        try (lines.enumerated().filter { $0.offset != dropped }.map(\.element).joined(separator: "\n") + "\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let run = try runPipeline(
            "feed", ["--replay", path, "--exchange-info", "\(data)/cryptofeed/BINANCE.0"],
            "book", ["--json", "--session", session.value])
        XCTAssertEqual(run.secondStatus, 0, run.secondErrors)
        XCTAssertTrue(run.secondErrors.contains("gap: update"), run.secondErrors)
        XCTAssertEqual(block.resyncRequests(instrument: 1), 1, "one gap, one request to the feed")
        XCTAssertEqual(block.processes.first?.role, .book)
        XCTAssertEqual(block.processes.first?.state, .exited)
    }

    func testGarbageOnStdinIsOneLineAndExitOne() throws {
        let path = temporaryPath("garbage")
        try "hello world, not frames\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        let book = try ChildProcess("book", ["--json"], stdin: FileHandle(forReadingAtPath: path)!)
        let result = book.finish()
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(
            result.err, "book: stdin: not a tickpipe frame stream (first bytes 'hello wo', expected 'TPSTRM..')\n")
    }

    func testTruncatedFrameOnStdinIsOneLineAndExitOne() throws {
        let capture = temporaryPath("capture")
        defer { unlink(capture) }
        let feed = try ChildProcess("feed", ["--speed", "max", "--duration", "0.2", "--record", capture])
        XCTAssertEqual(feed.finish().status, 0)
        let data = try Data(contentsOf: URL(fileURLWithPath: capture))
        let cut = temporaryPath("cut")
        defer { unlink(cut) }
        try data.prefix(64 * 40 + 20).write(to: URL(fileURLWithPath: cut))
        let book = try ChildProcess("book", ["--json"], stdin: FileHandle(forReadingAtPath: cut)!)
        let result = book.finish()
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(
            result.err.hasSuffix(
                "book: stdin: truncated frame at byte 2560: stream ended 20 bytes into a 64-byte frame\n"), result.err)
    }

    func testCaptureReplaysBitForBit() throws {
        let capture = temporaryPath("record")
        defer { unlink(capture) }
        let live = try ChildProcess(
            "feed", ["--speed", "max", "--duration", "0.3", "--symbols", "AAA,BBB", "--record", capture])
        let liveResult = live.finish()
        XCTAssertEqual(liveResult.status, 0, liveResult.err)
        let replay = try ChildProcess("feed", ["--replay", capture])
        let replayResult = replay.finish()
        XCTAssertEqual(replayResult.status, 0, replayResult.err)
        let recorded = try Data(contentsOf: URL(fileURLWithPath: capture))
        // Compare frames, after each stream's own 64-byte header (its pid and creation time differ).
        let replayed = try captureOf(replay: capture)
        XCTAssertGreaterThan(recorded.count, 64 * 100)
        XCTAssertEqual(recorded.dropFirst(64), replayed.dropFirst(64))
    }

    /// The bytes `feed --replay capture` writes to stdout.
    func captureOf(replay capture: String) throws -> Data {
        let output = temporaryPath("replayed")
        defer { unlink(output) }
        let fd = open(output, O_CREAT | O_TRUNC | O_WRONLY, 0o600)
        let process = Process()
        process.executableURL = productsDirectory().appendingPathComponent("feed")
        process.arguments = ["--replay", capture]
        process.standardOutput = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        return try Data(contentsOf: URL(fileURLWithPath: output))
    }

    func testBadFlagsAreOneLineWithUsageAndExitHundred() throws {
        for (tool, arguments, message) in [
            ("feed", ["--speed", "fast"], "feed: --speed 'fast': expected a positive number or max"),
            (
                "feed", ["--out", "/tmp/x"],
                "feed: --out '/tmp/x': expected shm:NAME (a ring in /dev/shm) or - (standard input/output)"
            ),
            ("feed", ["--symbols", "A,A"], "feed: --symbols 'A,A': a symbol is repeated"),
            ("feed", ["--replay"], "feed: --replay needs at least one FILE"),
            ("feed", ["--bogus"], "feed: unknown option --bogus"),
            (
                "feed", ["--synthetic", "--exchange-info", "/nope"],
                "feed: --exchange-info gives recorded symbols' tick and lot sizes: it goes with --replay (live, the "
                    + "venue's own is read; the synthetic market takes --instrument SYMBOL:TICK:LOT)"
            ),
            (
                "feed", ["--instrument", "BTCUSDT:x:1", "--replay", "/dev/null"],
                "feed: --instrument 'BTCUSDT:x:1': expected SYMBOL:TICK:LOT with positive decimals, e.g. "
                    + "BTCUSDT:0.01000000:0.00001000"
            ),
            ("book", ["--levels", "0"], "book: --levels '0': expected an integer in 1...1000"),
            ("book", ["--json", "--dump"], "book: choose one of --out, --dump, --json and --dashboard"),
            ("book", ["--trades"], "book: --trades and --depth go with --json"),
            ("book", ["--dashboard"], "book: --dashboard needs --session: it shows the session's processes and rings"),
            ("book", ["--dump", "--exec", "shm:x"], "book: --exec goes with --dashboard"),
            (
                "book", ["--in", "shm:../x"],
                "book: --in 'shm:../x': segment name '../x' may hold only letters, digits, '.', '_' and '-'"
            ),
            ("book", ["--dump", "--progress"], "book: --progress goes with --out"),
            (
                "exec", ["--market", "shm:md"],
                "exec: --market reads feed's ring (shm:NAME) beside signal's (--in shm:NAME)"
            ),
            (
                "exec", ["--in", "shm:quotes", "--market", "-"],
                "exec: --market reads feed's ring (shm:NAME) beside signal's (--in shm:NAME)"
            ),
            ("exec", ["--append"], "exec: --append continues a --journal FILE; none given"),
            (
                "feed", ["--live", "BTCUSDT", "--ws-url", "ws://127.0.0.1:9/ws"],
                "feed: --ws-url (TICKPIPE_BINANCE_WS_URL) 'ws://127.0.0.1:9/ws': plain text, unencrypted and "
                    + "unauthenticated; use wss:// or https://, or --allow-plaintext for a server of your own"
            ),
            (
                "feed", ["--live", "BTCUSDT", "--rest-url", "http://127.0.0.1:9"],
                "feed: --rest-url (TICKPIPE_BINANCE_REST_URL) 'http://127.0.0.1:9': plain text, unencrypted and "
                    + "unauthenticated; use wss:// or https://, or --allow-plaintext for a server of your own"
            ),
            (
                "feed", ["--live", "BTCUSDT", "--rest-url", "https://bad host"],
                "feed: --rest-url (TICKPIPE_BINANCE_REST_URL): URL 'https://bad host': bad host"
            )
        ] {
            let result = try ChildProcess(tool, arguments).finish()
            XCTAssertEqual(result.status, 100, "\(tool) \(arguments): \(result.err)")
            XCTAssertTrue(result.err.hasPrefix(message + "\nusage: \(tool) "), "\(tool) \(arguments): \(result.err)")
        }
    }

    /// An instrument the wire cannot hold is named once, by the tool (it said "feed: feed: AAAUSDT: ...").
    func testASyntheticInstrumentTheWireCannotHoldIsNamedOnce() throws {
        let result = try ChildProcess(
            "feed", ["--symbols", "AAAUSDT", "--instrument", "AAAUSDT:99999999999:1", "--duration", "1"]
        ).finish()
        XCTAssertEqual(result.status, 100, result.err)
        XCTAssertEqual(
            result.err,
            "feed: instrument AAAUSDT: tick 99999999999e-0 and lot 1e-0 must be positive with at most 18 decimals, "
                + "displayed with at least as many\n"
        )
    }

    /// A connection that fails names its URL whole (it used to print ":127.0.0.1:9/...").
    func testAFailedConnectionNamesItsURLWhole() throws {
        let result = try ChildProcess(
            "feed", ["--live", "BTCUSDT", "--ws-url", "wss://127.0.0.1:9/ws", "--rest-url", "https://127.0.0.1:9"]
        )
        .finish(timeout: 30)
        XCTAssertEqual(result.status, 111, result.err)
        XCTAssertTrue(
            result.err.contains(
                "feed: https://127.0.0.1:9/api/v3/exchangeInfo: "
                    + "connect(127.0.0.1) failed: Connection refused (errno 111)"),
            result.err)
    }

    func testUnreadableRecordingIsNamed() throws {
        let result = try ChildProcess("feed", ["--replay", "/nonexistent/file.gz"]).finish()
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.err, "feed: cannot read /nonexistent/file.gz: No such file or directory\n")
    }
}
