import Foundation
import Glibc
import IPC
import TestSupport
import XCTest

/// `feed --live` end to end, on the production code path with only the host changed: a real
/// WebSocket server (Python's `websockets`, TLS with a self-signed certificate made here) and
/// a real HTTPS server replaying the BTCUSDT recording (Tests/LivePeer/binance_server.py). The
/// server pings, and drops the first connection mid-stream; the feed answers the pings,
/// reconnects, fetches a new snapshot, and the book never publishes a wrong top.
final class LiveBinanceTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-live-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func run(_ executable: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// A self-signed certificate for 127.0.0.1, the CA the feed is told to trust.
    func makeCertificate() throws -> (cert: String, key: String) {
        let cert = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let status = try run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                                         "-days", "1", "-subj", "/CN=localhost",
                                         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
        guard status == 0 else { throw XCTSkip("the openssl command is needed to make a test certificate") }
        return (cert, key)
    }

    /// Reads the server's stdout a line at a time.
    final class LineReader: @unchecked Sendable {
        private let handle: FileHandle
        private var pending = Data()
        init(_ handle: FileHandle) { self.handle = handle }

        func line(timeout: TimeInterval) -> String? {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if let newline = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    return line
                }
                let chunk = handle.availableData
                if chunk.isEmpty { return nil }
                pending.append(chunk)
            }
            return nil
        }
    }

    func testLiveStreamWithPingsAndAServerDisconnectMatchesTheVenue() throws {
        guard try run("python3", ["-c", "import websockets"]) == 0 else {
            throw XCTSkip("Python's websockets package is needed (pip install websockets; .ci/run installs it)")
        }
        let data = try sharedDataDirectory()
        let recordings = ["\(data)/binance-spot/btcusdt_20240808.gz", "\(data)/binance-spot/btcusdt_20240809.gz"]
        let (cert, key) = try makeCertificate()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("LivePeer/binance_server.py").path

        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", script, "--recording"] + recordings + [
            "--exchange-info", "\(data)/cryptofeed/BINANCE.0", "--cert", cert, "--key", key,
            "--disconnect-after", "20000", "--ping-interval", "0.2"]
        let serverOutput = Pipe()
        server.standardOutput = serverOutput
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        let lines = LineReader(serverOutput.fileHandleForReading)
        let ready = try XCTUnwrap(lines.line(timeout: 30), "the server did not start")
        let ports = try JSONSerialization.jsonObject(with: Data(ready.utf8)) as! [String: Int]

        let feed = try ChildProcess("feed", ["--live", "BTCUSDT",
                                             "--ws-url", "wss://127.0.0.1:\(ports["ws_port"]!)",
                                             "--rest-url", "https://127.0.0.1:\(ports["rest_port"]!)",
                                             "--ca-file", cert], handsOnStdout: true)
        let book = try ChildProcess("book", ["--json"], stdin: feed.stdoutHandle)
        let done = try XCTUnwrap(lines.line(timeout: 120), "the server did not finish streaming")
        let counters = try JSONSerialization.jsonObject(with: Data(done.utf8)) as! [String: Any]
        usleep(1_500_000) // let the last messages through the book
        kill(feed.pid, SIGTERM)
        let fed = feed.finish(timeout: 30)
        let booked = book.finish(timeout: 30)

        XCTAssertEqual(fed.status, 0, fed.err)
        XCTAssertEqual(booked.status, 0, booked.err)
        XCTAssertEqual(counters["connections"] as? Int, 2, "the feed reconnected after the server's close")
        XCTAssertGreaterThanOrEqual(counters["pongs"] as? Int ?? 0, 1, "the feed answered the server's pings")
        XCTAssertGreaterThanOrEqual(counters["snapshots"] as? Int ?? 0, 2, "a snapshot per connection")
        XCTAssertEqual(counters["exchange_info"] as? Int, 1, "tick and lot sizes from the venue's exchangeInfo")
        XCTAssertTrue(fed.err.contains("feed: stream lost: the server closed the connection (code 1001 going away); books reset, reconnecting in 500 ms"), fed.err)
        XCTAssertEqual(fed.err.components(separatedBy: "feed: connected to 127.0.0.1:").count - 1, 2, fed.err)
        XCTAssertTrue(fed.err.contains("0 malformed messages skipped"), fed.err)
        XCTAssertTrue(booked.err.contains("book: BTCUSDT: the feed lost the venue and resyncs"), booked.err)

        let comparison = try TopOfBookOracle(files: recordings).compare(bookJSON: booked.out)
        XCTAssertEqual(comparison.mismatches, [], "never a wrong top, across the reconnect")
        XCTAssertGreaterThan(comparison.matches["BTCUSDT"] ?? 0, 1_000)
        XCTAssertEqual(comparison.invalidations, 1)
    }

    func testGapInTheVenueStreamResyncsFromANewSnapshot() throws {
        guard try run("python3", ["-c", "import websockets"]) == 0 else {
            throw XCTSkip("Python's websockets package is needed (pip install websockets; .ci/run installs it)")
        }
        let data = try sharedDataDirectory()
        let recordings = ["\(data)/binance-spot/btcusdt_20240808.gz"]
        let (cert, key) = try makeCertificate()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("LivePeer/binance_server.py").path
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", script, "--recording"] + recordings + [
            "--exchange-info", "\(data)/cryptofeed/BINANCE.0", "--cert", cert, "--key", key, "--drop-depth", "1000"]
        let serverOutput = Pipe()
        server.standardOutput = serverOutput
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        let lines = LineReader(serverOutput.fileHandleForReading)
        let ready = try XCTUnwrap(lines.line(timeout: 30), "the server did not start")
        let ports = try JSONSerialization.jsonObject(with: Data(ready.utf8)) as! [String: Int]
        let feed = try ChildProcess("feed", ["--live", "BTCUSDT", "--ws-url", "wss://127.0.0.1:\(ports["ws_port"]!)",
                                             "--rest-url", "https://127.0.0.1:\(ports["rest_port"]!)", "--ca-file", cert],
                                    handsOnStdout: true)
        let book = try ChildProcess("book", ["--json"], stdin: feed.stdoutHandle)
        let done = try XCTUnwrap(lines.line(timeout: 120), "the server did not finish streaming")
        let counters = try JSONSerialization.jsonObject(with: Data(done.utf8)) as! [String: Any]
        usleep(1_500_000)
        kill(feed.pid, SIGTERM)
        let fed = feed.finish(timeout: 30)
        let booked = book.finish(timeout: 30)
        XCTAssertEqual(fed.status, 0, fed.err)
        XCTAssertEqual(counters["dropped"] as? Int, 1)
        XCTAssertEqual(counters["connections"] as? Int, 1, "a gap is mended without reconnecting")
        XCTAssertEqual(counters["snapshots"] as? Int, 2, "one snapshot to start, one after the gap")
        XCTAssertTrue(fed.err.contains("feed: BTCUSDT: gap in the venue's stream: update "), fed.err)
        XCTAssertTrue(fed.err.contains("resyncing from a new snapshot"), fed.err)
        XCTAssertTrue(booked.err.contains("book: BTCUSDT: the feed lost the venue and resyncs"), booked.err)
        let comparison = try TopOfBookOracle(files: recordings).compare(bookJSON: booked.out)
        XCTAssertEqual(comparison.mismatches, [])
        XCTAssertEqual(comparison.invalidations, 1)
        XCTAssertGreaterThan(comparison.matches["BTCUSDT"] ?? 0, 500, "the book is back after the new snapshot")
    }

    func testAResyncRequestFromTheSessionFetchesANewSnapshot() throws {
        guard try run("python3", ["-c", "import websockets"]) == 0 else {
            throw XCTSkip("Python's websockets package is needed (pip install websockets; .ci/run installs it)")
        }
        let data = try sharedDataDirectory()
        let recordings = ["\(data)/binance-spot/btcusdt_20240808.gz", "\(data)/binance-spot/btcusdt_20240809.gz"]
        let (cert, key) = try makeCertificate()
        let session = try SessionName("live\(getpid())")
        let block = try ControlBlock.create(session.controlBlock, instruments: [])
        defer { try? block.unlink() }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("LivePeer/binance_server.py").path
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", script, "--recording"] + recordings + [
            "--exchange-info", "\(data)/cryptofeed/BINANCE.0", "--cert", cert, "--key", key]
        let serverOutput = Pipe()
        server.standardOutput = serverOutput
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        let lines = LineReader(serverOutput.fileHandleForReading)
        let ready = try XCTUnwrap(lines.line(timeout: 30), "the server did not start")
        let ports = try JSONSerialization.jsonObject(with: Data(ready.utf8)) as! [String: Int]
        let feed = try ChildProcess("feed", ["--live", "BTCUSDT", "--ws-url", "wss://127.0.0.1:\(ports["ws_port"]!)",
                                             "--rest-url", "https://127.0.0.1:\(ports["rest_port"]!)", "--ca-file", cert,
                                             "--session", session.value], handsOnStdout: true)
        let book = try ChildProcess("book", ["--json"], stdin: feed.stdoutHandle)
        usleep(2_000_000)
        XCTAssertEqual(block.instruments.map(\.symbol), ["BTCUSDT"], "the feed put its instrument in the session's table")
        block.requestResync(instrument: 1) // what a book does when it finds a gap
        let done = try XCTUnwrap(lines.line(timeout: 120), "the server did not finish streaming")
        let counters = try JSONSerialization.jsonObject(with: Data(done.utf8)) as! [String: Any]
        usleep(1_500_000)
        kill(feed.pid, SIGTERM)
        let fed = feed.finish(timeout: 30)
        let booked = book.finish(timeout: 30)
        XCTAssertEqual(fed.status, 0, fed.err)
        XCTAssertTrue(fed.err.contains("feed: BTCUSDT: a book asked for a resync; fetching a new snapshot"), fed.err)
        XCTAssertEqual(counters["snapshots"] as? Int, 2)
        let comparison = try TopOfBookOracle(files: recordings).compare(bookJSON: booked.out)
        XCTAssertEqual(comparison.mismatches, [])
        XCTAssertGreaterThan(comparison.matches["BTCUSDT"] ?? 0, 1_000)
    }

    func testUntrustedCertificateIsRefusedWithTheReason() throws {
        guard try run("python3", ["-c", "import websockets"]) == 0 else {
            throw XCTSkip("Python's websockets package is needed (pip install websockets; .ci/run installs it)")
        }
        let data = try sharedDataDirectory()
        let (cert, key) = try makeCertificate()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("LivePeer/binance_server.py").path
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", script, "--recording", "\(data)/binance-spot/btcusdt_20240808.gz",
                            "--exchange-info", "\(data)/cryptofeed/BINANCE.0", "--cert", cert, "--key", key]
        let serverOutput = Pipe()
        server.standardOutput = serverOutput
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        let ready = try XCTUnwrap(LineReader(serverOutput.fileHandleForReading).line(timeout: 30))
        let ports = try JSONSerialization.jsonObject(with: Data(ready.utf8)) as! [String: Int]
        // No --ca-file: the system's CA store does not know the test's certificate.
        let feed = try ChildProcess("feed", ["--live", "BTCUSDT", "--ws-url", "wss://127.0.0.1:\(ports["ws_port"]!)",
                                             "--rest-url", "https://127.0.0.1:\(ports["rest_port"]!)"])
        let result = feed.finish(timeout: 30)
        XCTAssertEqual(result.status, 111)
        XCTAssertTrue(result.err.hasPrefix("feed: TLS handshake with 127.0.0.1:\(ports["rest_port"]!) failed: self-signed certificate"), result.err)
    }
}
