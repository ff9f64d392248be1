import Foundation
import TestSupport
import XCTest

/// The Binance WebSocket API stand-in (Tests/LivePeer/binance_api_server.py) on loopback TLS,
/// with its control on stdin and its JSON lines on stdout.
final class APIStandIn: @unchecked Sendable { // its lines are guarded by `condition`
    static let apiKey = "tickpipeTestKey0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"

    let process = Process()
    let control = Pipe()
    let url: String
    /// With `--market-recording`: where the market is served (wss and https on 127.0.0.1).
    let marketPorts: (stream: Int, rest: Int)?
    /// Every line read, in order, and how many of them `await` has looked at: a thread reads the
    /// stand-in's output from the start, so it never blocks on a full pipe (its event loop would
    /// stall with it).
    private let condition = NSCondition()
    private var received: [[String: Any]] = []
    private var looked = 0
    private var ended = false

    /// Every line read so far.
    var seen: [[String: Any]] {
        condition.lock()
        defer { condition.unlock() }
        return received
    }

    /// `keys`: the stand-in's `--ed25519-public-key FILE` or `--hmac-secret SECRET`, and more.
    init(certificate: (cert: String, key: String), keys: [String]) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("LivePeer/binance_api_server.py").path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [
                "python3", script, "--cert", certificate.cert, "--key", certificate.key, "--api-key",
                APIStandIn.apiKey
            ] + keys
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = control
        try process.run()
        let lines = LineReader(output.fileHandleForReading)
        guard let ready = lines.line(timeout: 30),
            let ports = try JSONSerialization.jsonObject(with: Data(ready.utf8)) as? [String: Int],
            let port = ports["port"]
        else {
            process.terminate()
            throw XCTSkip("the WebSocket API stand-in did not start")
        }
        url = "wss://127.0.0.1:\(port)/ws-api/v3"
        marketPorts = ports["rest_port"].map { (port, $0) }
        let reader = output.fileHandleForReading
        Thread.detachNewThread { [condition, weak self] in
            var pending = Data()
            while true {
                let chunk = reader.availableData
                pending.append(chunk)
                var parsed: [[String: Any]] = []
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = pending[pending.startIndex..<newline]
                    pending = Data(pending[(newline + 1)...])
                    if let fields = try? JSONSerialization.jsonObject(with: line) as? [String: Any] {
                        parsed.append(fields)
                    }
                }
                condition.lock()
                self?.received.append(contentsOf: parsed)
                if chunk.isEmpty { self?.ended = true }
                condition.broadcast()
                condition.unlock()
                if chunk.isEmpty || self == nil { return }
            }
        }
    }

    /// The stand-in on a new certificate, knowing a new Ed25519 key and BTCUSDT (tick 0.01, step
    /// 0.001), made in `directory`; `more`: more of its options.
    struct BTCUSDT {
        let server: APIStandIn
        let certificate: (cert: String, key: String)
        let key: (privateKey: String, publicKey: String)

        init(in directory: URL, _ more: [String] = []) throws {
            certificate = try LoopbackTLS.makeCertificate(in: directory)
            key = try LoopbackTLS.makeEd25519Key(in: directory)
            server = try APIStandIn(
                certificate: certificate,
                keys: ["--ed25519-public-key", key.publicKey, "--symbol", "BTCUSDT:0.01000000:0.00100000"] + more)
        }

        /// What exec and risk read the key and the stand-in's URL from.
        var environment: [String: String] {
            [
                "TICKPIPE_BINANCE_API_KEY": APIStandIn.apiKey, "TICKPIPE_BINANCE_KEY_FILE": key.privateKey,
                "TICKPIPE_BINANCE_WS_API_URL": server.url
            ]
        }

        /// exec's or risk's options for this venue, journaling to `journal`.
        func venueArguments(journal: String) -> [String] {
            ["--venue", "binance-spot", "--venue-journal", journal, "--ca-file", certificate.cert]
        }
    }

    func send(_ command: [String: Any]) throws {
        control.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: command) + Data([0x0A]))
    }

    /// The first line not yet looked at that satisfies `match`, waiting up to `timeout` s.
    func await(_ timeout: TimeInterval, _ match: ([String: Any]) -> Bool) -> [String: Any]? {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while true {
            while looked < received.count {
                looked += 1
                if match(received[looked - 1]) { return received[looked - 1] }
            }
            guard !ended, condition.wait(until: deadline) else { return nil }
        }
    }

    /// The stand-in's fills and those of exec's journal `journal` the same: count, quantity,
    /// notional and fees (in the quote currency; a commission in the base asset at the fill's
    /// price). Fees in the journal are ticks × lots of `tick` × 10^-8.
    func assertFillsAgree(
        withJournal journal: String, tick: String = "0.01", file: StaticString = #filePath,
        line: UInt = #line
    ) throws -> (fills: Int, position: Decimal) {
        let venueFills = seen.compactMap { $0["fill"] as? [String: Any] }
        XCTAssertFalse(venueFills.isEmpty, "no fill at the stand-in: \(seen.suffix(20))", file: file, line: line)
        let csv = try ChildProcess("exec", ["journal", journal, "--fills"]).finish()
        let lines = csv.out.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let rows = lines.dropFirst()
        // The CSV's columns by name (docs/exec.md).
        let column = Dictionary(uniqueKeysWithValues: (lines.first ?? []).enumerated().map { (String($1), $0) })
        let (price, size, fee) = (column["price"] ?? 0, column["size"] ?? 0, column["fee_ticks_lots"] ?? 0)
        XCTAssertEqual(rows.count, venueFills.count, csv.out, file: file, line: line)
        func decimal(_ value: Any?) -> Decimal { Decimal(string: "\(value ?? "0")") ?? .nan }
        let venueQuantity = venueFills.reduce(Decimal(0)) { $0 + decimal($1["qty"]) }
        let execQuantity = rows.reduce(Decimal(0)) { $0 + decimal($1[size]) }
        XCTAssertEqual(execQuantity, venueQuantity, file: file, line: line)
        let venueNotional = venueFills.reduce(Decimal(0)) { $0 + decimal($1["qty"]) * decimal($1["price"]) }
        let execNotional = rows.reduce(Decimal(0)) { $0 + decimal($1[size]) * decimal($1[price]) }
        XCTAssertEqual(execNotional, venueNotional, file: file, line: line)
        let venueFees = venueFills.reduce(Decimal(0)) {
            $0 + decimal($1["commission"]) * ($1["commissionAsset"] as? String == "BTC" ? decimal($1["price"]) : 1)
        }
        let execFees = rows.reduce(Decimal(0)) { $0 + decimal($1[fee]) } * decimal(tick) * Decimal(string: "1e-8")!
        XCTAssertEqual(execFees, venueFees, file: file, line: line)
        let position = venueFills.reduce(Decimal(0)) {
            $0 + ($1["side"] as? String == "BUY" ? decimal($1["qty"]) : -decimal($1["qty"]))
        }
        return (venueFills.count, position)
    }

    /// exec's closing balance line for `symbol` (`err`: its stderr) against the stand-in's last
    /// balances: the same total of `asset`, and the move since exec's start explained by its
    /// fills and base-asset fees, but for `unexplained` (deposits).
    func assertBalanceAgrees(
        execErr err: String, symbol: String, asset: String, unexplained: Decimal = 0, file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        let balances = try XCTUnwrap(
            seen.last { $0["balances"] != nil }?["balances"] as? [String: String], "no balance moved", file: file,
            line: line)
        let pattern =
            "\(symbol): \(asset) balance ([+-][0-9.]+), at the start ([+-][0-9.]+), fills since ([+-][0-9.]+), "
            + "base-asset fees ([+-][0-9.]+)"
        let expression = try NSRegularExpression(pattern: pattern)
        let found = try XCTUnwrap(
            expression.matches(in: err, range: NSRange(err.startIndex..., in: err)).last,
            "exec said no closing balance for \(symbol)", file: file, line: line)
        let numbers = (1...4).map { index in
            Decimal(
                string: String(err[Range(found.range(at: index), in: err)!]).replacingOccurrences(of: "+", with: ""))!
        }
        XCTAssertEqual(numbers[0], Decimal(string: balances[asset] ?? "0"), "\(balances)", file: file, line: line)
        XCTAssertEqual(numbers[0] - numbers[1] - numbers[2] + numbers[3], unexplained, file: file, line: line)
    }

    /// exec's last position for `symbol` (its summary line on `err`) against the account's: the
    /// stand-in's last `asset` balance less `start`, in whole `lot`s toward zero.
    func assertPositionIsTheAccounts(
        execErr err: String, symbol: String, asset: String, start: Decimal, lot: Decimal,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let balances = try XCTUnwrap(
            seen.last { $0["balances"] != nil }?["balances"] as? [String: String], "no balance moved", file: file,
            line: line)
        let moved = Decimal(string: balances[asset] ?? "0")! - start
        var lots = moved / lot
        var whole = Decimal()
        NSDecimalRound(&whole, &lots, 0, moved < 0 ? .up : .down)
        let summary = try XCTUnwrap(
            err.split(separator: "\n").last { $0.hasPrefix("exec: \(symbol): ") && $0.contains(" fills") }, err,
            file: file, line: line)
        let position = try XCTUnwrap(positionField(summary), "\(summary)", file: file, line: line)
        XCTAssertEqual(
            Decimal(string: String(position.dropFirst("position ".count))), whole * lot, "\(summary)", file: file,
            line: line)
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
    }
}
