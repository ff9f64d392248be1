import Foundation
import Glibc
import IPC
import TestSupport
import XCTest

/// risk's own venue session against the WebSocket API stand-in (Tests/LivePeer/binance_api_server.py,
/// loopback TLS, Ed25519 logon checked as Binance checks it): with exec SIGKILLed, the venue shows
/// no open order within a second, and nothing of the key shows anywhere.
final class VenueKillTests: XCTestCase {
    static let apiKey = APIStandIn.apiKey
    var directory: URL!

    override func setUpWithError() throws {
        try LoopbackTLS.requirePython(["websockets", "cryptography"])
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-kill-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    /// After a `serverShutdown` and the new session it makes.
    func testExecKilledLeavesNoOpenOrderAtTheVenueWithinASecond() throws {
        let key = try LoopbackTLS.makeEd25519Key(in: directory)
        try killExec(keyFile: key.privateKey, standIn: ["--ed25519-public-key", key.publicKey], reconnect: true)
    }

    /// The same with an HMAC secret (every request signed) and the venue's clock 30 s ahead of
    /// ours (outside the 5 s recvWindow unless timestamps follow the venue's clock).
    func testTheKillWorksWithAnHMACKeyAndASkewedVenueClock() throws {
        let secret = "hmacSecretForTheStandIn0123456789abcdefghijklmnopqrstuvwxyzABCD"
        let keyFile = directory.appendingPathComponent("hmac.key").path
        try (secret + "\n").write(toFile: keyFile, atomically: false, encoding: .utf8)
        chmod(keyFile, 0o600)
        try killExec(keyFile: keyFile, standIn: ["--hmac-secret", secret, "--clock-skew-ms", "30000"], secret: secret)
    }

    /// The venue answers the first cancel 429 (retry after 500 ms): risk holds back until then,
    /// then finds the orders still open and cancels them.
    func testTheKillWaitsOutA429AndStillCancels() throws {
        let key = try LoopbackTLS.makeEd25519Key(in: directory)
        try killExec(
            keyFile: key.privateKey,
            standIn: ["--ed25519-public-key", key.publicKey, "--rate-limit-first", "openOrders.cancelAll"],
            within: 2.0, refusals: 1)
    }

    /// Three orders resting at the stand-in, exec SIGKILLed: none left within a second, by risk.
    func killExec(
        keyFile: String, standIn: [String], secret: String? = nil, reconnect: Bool = false, within: Double = 1.0,
        refusals: Int = 0
    ) throws {
        let certificate = try LoopbackTLS.makeCertificate(in: directory)
        let server = try APIStandIn(certificate: certificate, keys: standIn)
        let journal = directory.appendingPathComponent("risk-venue.jsonl").path
        let session = try RiskTests.Session(
            "venuekill",
            risk: ["--venue", "binance-spot", "--venue-journal", journal, "--ca-file", certificate.cert],
            riskEnvironment: [
                "TICKPIPE_BINANCE_API_KEY": Self.apiKey, "TICKPIPE_BINANCE_KEY_FILE": keyFile,
                "TICKPIPE_BINANCE_WS_API_URL": server.url
            ])
        let ready = Date().addingTimeInterval(15)
        while Date() < ready, !session.risk.errorsSoFar.contains("session ready") { usleep(20_000) }
        XCTAssertTrue(session.risk.errorsSoFar.contains("risk: 127.0.0.1:"), session.risk.errorsSoFar)
        if reconnect {
            // The venue's serverShutdown: risk opens a new session (addresses kept) and logs on again.
            try server.send(["shutdown": true])
            let again = Date().addingTimeInterval(15)
            while Date() < again, session.risk.errorsSoFar.components(separatedBy: "session ready").count < 3 {
                usleep(20_000)
            }
            XCTAssertTrue(
                session.risk.errorsSoFar.contains("connection lost: the server is shutting down (serverShutdown)"),
                session.risk.errorsSoFar)
            XCTAssertEqual(
                session.risk.errorsSoFar.components(separatedBy: "session ready").count, 3, session.risk.errorsSoFar)
        }
        if secret == nil {
            XCTAssertNotNil(
                server.await(5) { $0["request"] as? String == "session.logon" && $0["status"] as? Int == 200 })
        }
        // What exec would have placed: three orders resting on the session's instrument.
        for (index, side) in ["BUY", "SELL", "BUY"].enumerated() {
            try server.send([
                "seed": [
                    "symbol": "SYNUSDT", "side": side, "price": "100.\(index)", "quantity": "0.5",
                    "clientOrderId": "tp-seed-\(index)"
                ]
            ])
        }
        XCTAssertNotNil(server.await(5) { $0["open_orders"] as? Int == 3 }, "\(server.seen)")

        // The environment block risk shows, read while it runs: the key's value wiped in place.
        let environ = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(session.risk.pid)/environ"))) ?? Data()
        let cmdline = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(session.risk.pid)/cmdline"))) ?? Data()
        let killedAt = Date().timeIntervalSince1970
        kill(session.exec.pid, SIGKILL)
        let flat = server.await(5) { $0["open_orders"] as? Int == 0 }
        // Then risk asks the venue what is open, and says so.
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline, !session.risk.errorsSoFar.contains("risk: kill: the venue shows") { usleep(20_000) }
        let output = session.stop()
        let flatAt = try XCTUnwrap(flat?["t"] as? Double, "the venue still shows open orders: \(output.risk)")
        XCTAssertLessThan(flatAt - killedAt, within, "from exec's death to no open order at the venue")
        XCTAssertTrue(output.risk.contains("risk: HALT: watchdog: exec pid \(session.exec.pid) died"), output.risk)
        XCTAssertTrue(output.risk.contains("risk: kill: the venue shows no open order on SYNUSDT"), output.risk)
        XCTAssertEqual(
            server.seen.filter { ($0["code"] as? Int ?? 0) != 0 }.count, refusals, "requests refused: \(server.seen)")
        if refusals > 0 {
            XCTAssertTrue(output.risk.contains("status 429, code -1003: Too much request weight used"), output.risk)
            XCTAssertTrue(output.risk.contains("held back: the venue's rate limits"), output.risk)
        }

        let journaled = try String(contentsOfFile: journal, encoding: .utf8)
        let records = journaled.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        XCTAssertEqual(records.count, journaled.split(separator: "\n").count, "every journal line is JSON")
        let notes = records.compactMap { $0["note"] as? String }
        XCTAssertTrue(
            notes.contains { $0.hasPrefix("kill: ") && $0.hasSuffix("cancelling every open order on SYNUSDT") })
        XCTAssertTrue(
            records.contains { ($0["sent"] as? [String: Any])?["method"] as? String == "openOrders.cancelAll" })
        let cancelled = records.compactMap { ($0["received"] as? [String: Any])?["result"] as? [[String: Any]] }
            .first { $0.count == 3 }
        XCTAssertEqual(
            Set((cancelled ?? []).compactMap { $0["clientOrderId"] as? String }),
            ["tp-seed-0", "tp-seed-1", "tp-seed-2"], journaled)
        XCTAssertTrue(notes.contains("flat: SYNUSDT: the venue shows no open order"), journaled)

        // No key material anywhere: the private key's base64, the API key.
        let privateKeyBody =
            try secret.map { Substring($0) }
            ?? String(contentsOfFile: keyFile, encoding: .utf8).split(separator: "\n")[1]
        for (name, text) in [
            ("risk's stderr", output.risk), ("the venue journal", journaled),
            ("/proc/pid/environ", String(decoding: environ, as: UTF8.self)),
            ("/proc/pid/cmdline", String(decoding: cmdline, as: UTF8.self))
        ] {
            XCTAssertFalse(text.contains(privateKeyBody), "the private key in \(name)")
            XCTAssertFalse(text.contains(Self.apiKey), "the API key in \(name)")
        }
        XCTAssertFalse(environ.isEmpty, "risk's environment could not be read")
    }

    /// A live exec that bought 0.3 BTC at the stand-in, and was then credited 0.5 BTC (a balance
    /// its fills do not explain: risk's webhook hears of it), is SIGKILLed: no exec is left to
    /// flatten, so risk cancels its orders and sells the position at market on its own session,
    /// from the balance the venue shows and the inventory target exec published (10 BTC, the
    /// balance at its start): 0.799 sold (the venue's 0.001 step), the 0.0007 left after the
    /// buy's commission (paid in BTC) said as less than a step; the webhook hears the halt, the
    /// flatten and the kill's end.
    func testRiskClosesThePositionAtMarketWhenExecDiesHoldingIt() throws {
        try closePosition(hung: false)
    }

    /// The same without the deposit, exec hung (SIGSTOP) and `kill -USR1` to risk: exec does
    /// not confirm the flatten within the deadline, so risk kills it and sells 0.299 itself.
    func testRiskClosesThePositionAtMarketWhenAHungExecMissesTheFlattenDeadline() throws {
        try closePosition(hung: true)
    }

    /// The control block is shared memory another process wrote: an inventory target that puts
    /// the position past 128 bits is said and not acted on, and risk goes on to stop as a failed
    /// session does (exit 1), with no trap.
    func testAnInventoryTargetOutOfRangeIsSaidNotTrappedOn() throws {
        let venue = try APIStandIn.BTCUSDT(in: directory)
        let session = try RiskTests.Session(
            "badtarget", risk: venue.venueArguments(journal: directory.appendingPathComponent("risk.jsonl").path),
            feedArguments: ["--symbols", "BTCUSDT", "--instrument", "BTCUSDT:0.01000000:0.00000001"],
            riskEnvironment: venue.environment)
        let ready = Date().addingTimeInterval(15)
        while Date() < ready, !session.risk.errorsSoFar.contains("session ready") { usleep(20_000) }
        let block = try ControlBlock.attach(try SessionName(session.name).controlBlock)
        let id = try XCTUnwrap(block.instruments.first { $0.symbol == "BTCUSDT" }?.id)
        block.publishInventoryTarget(instrument: id, attoUnits: Int128.min)
        kill(session.exec.pid, SIGKILL)
        let result = session.risk.finish(timeout: 20)
        _ = session.stop()
        XCTAssertEqual(result.status, 1, result.err)
        XCTAssertTrue(
            result.err.contains(
                "risk: flatten: BTCUSDT: the inventory target in the control block (\(Int128.min)) is out of range; "
                    + "not flattened: see the venue"), result.err)
    }

    func closePosition(hung: Bool) throws {
        let venue = try APIStandIn.BTCUSDT(in: directory)
        let server = venue.server
        let riskJournal = directory.appendingPathComponent("risk-venue.jsonl").path
        let receiver = try WebhookReceiver()
        let session = try RiskTests.Session(
            "venueflatten",
            risk: venue.venueArguments(journal: riskJournal) + [
                "--alert-webhook", "http://127.0.0.1:\(receiver.port)/alerts"
            ],
            execArguments: venue.venueArguments(journal: directory.appendingPathComponent("exec-venue.jsonl").path),
            feedArguments: ["--symbols", "BTCUSDT", "--instrument", "BTCUSDT:0.01000000:0.00000001"],
            riskEnvironment: venue.environment, execEnvironment: venue.environment)
        // exec quotes at the venue: a trade printing at 1.00 fills its resting bid for 0.3.
        XCTAssertNotNil(
            server.await(20) {
                ($0["orders"] as? [[String: Any]])?.contains { $0["side"] as? String == "BUY" } == true
            },
            session.exec.errorsSoFar)
        try server.send(["trade": ["symbol": "BTCUSDT", "price": "1.00", "quantity": "0.3"]])
        XCTAssertNotNil(
            server.await(5) { ($0["balances"] as? [String: Any])?["BTC"].map { "\($0)" } == "10.29970000" },
            "\(server.seen)")
        // Not hung: 0.5 BTC deposited, which exec says and risk alerts.
        var held = "0.29970000"
        var balance = "10.29970000"
        var sell = "0.29900000"
        if !hung {
            try server.send(["deposit": ["asset": "BTC", "amount": "0.5"]])
            (held, balance, sell) = ("0.79970000", "10.79970000", "0.79900000")
            let alert = receiver.posts(delivered: 1, within: 10).compactMap { $0["body"] as? [String: Any] }
            XCTAssertEqual(alert.first?["event"] as? String, "reconciliation", "\(alert) \(session.risk.errorsSoFar)")
        }
        // The touch a market order takes: far from the synthetic market, so no quote crosses it.
        try server.send(["book": ["symbol": "BTCUSDT", "bid": "50.00", "ask": "150.00", "size": "5"]])
        usleep(300_000)
        if hung {
            kill(session.exec.pid, SIGSTOP)
            kill(session.risk.pid, SIGUSR1)
        } else {
            kill(session.exec.pid, SIGKILL)
        }
        let sold = server.await(10) { ($0["fill"] as? [String: Any])?["side"] as? String == "SELL" }
        let back = server.await(5) { ($0["balances"] as? [String: Any])?["BTC"].map { "\($0)" } == "10.00070000" }
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline, !session.risk.errorsSoFar.contains("less than the venue's smallest market order") {
            usleep(20_000)
        }
        let alerts = hung ? [] : receiver.posts(delivered: 3, within: 5).compactMap { $0["body"] as? [String: Any] }
        let output = session.stop()
        let fill = try XCTUnwrap(sold?["fill"] as? [String: Any], output.risk)
        if !hung {
            XCTAssertEqual(
                Set(alerts.compactMap { $0["event"] as? String }), ["halt", "risk-flatten", "kill-done"], "\(alerts)")
            XCTAssertTrue(output.risk.contains("risk: reconciliation: exec (pid \(session.exec.pid)) found a balance"))
        }
        XCTAssertTrue(
            output.risk.contains(
                hung
                    ? "risk: exec pid \(session.exec.pid) did not confirm the flatten within 1000 ms: killed it"
                    : "risk: HALT: watchdog: exec pid \(session.exec.pid) died"), output.risk)
        XCTAssertEqual(fill["qty"].map { "\($0)" }, sell, output.risk)
        XCTAssertTrue((fill["clientOrderId"] as? String)?.hasPrefix("tpk") == true, "\(fill)")
        XCTAssertNotNil(
            back, "the BTC balance back at the target: \(server.seen.filter { $0["balances"] != nil }) \(output.risk)")
        XCTAssertTrue(
            output.risk.contains(
                "flatten: BTCUSDT: position \(held) (BTC balance +\(balance), target "
                    + "+10.00000000); selling \(sell) at market"), output.risk)
        XCTAssertTrue(
            output.risk.contains(
                "flatten: BTCUSDT: position 0.00070000 at the venue (BTC balance +10.00070000, "
                    + "target +10.00000000): less than the venue's smallest market order, left"), output.risk)
        let journaled = try String(contentsOfFile: riskJournal, encoding: .utf8)
        XCTAssertEqual(
            journaled.components(separatedBy: "\"method\":\"order.place\"").count - 1, 1, "one market order")
        XCTAssertTrue(journaled.contains("selling \(sell) at market"), journaled)
    }

    /// A key file others may read, or no key at all: one line, exit 100, nothing sent.
    func testBadKeysStopRiskBeforeAnythingIsSent() throws {
        let certificate = try LoopbackTLS.makeCertificate(in: directory)
        let key = try LoopbackTLS.makeEd25519Key(in: directory)
        let server = try APIStandIn(certificate: certificate, keys: ["--ed25519-public-key", key.publicKey])
        let journal = directory.appendingPathComponent("risk-venue.jsonl").path
        let arguments = [
            "--session", "badkeys\(getpid())", "--venue", "binance-spot", "--venue-journal", journal, "--ca-file",
            certificate.cert
        ]
        chmod(key.privateKey, 0o644)
        let cases: [(String, [String: String], String)] = [
            (
                "a 0644 key file",
                ["TICKPIPE_BINANCE_API_KEY": Self.apiKey, "TICKPIPE_BINANCE_KEY_FILE": key.privateKey],
                "risk: TICKPIPE_BINANCE_KEY_FILE \(key.privateKey): mode 644 owned by uid \(getuid()): the key file "
                    + "must be readable by its owner alone (chmod 600)"
            ),
            (
                "no key", ["TICKPIPE_BINANCE_WS_API_URL": server.url],
                "risk: live trading needs TICKPIPE_BINANCE_API_KEY (the API key) and TICKPIPE_BINANCE_KEY_FILE"
            )
        ]
        for (label, environment, expected) in cases {
            let risk = try ChildProcess(
                "risk", arguments,
                environment: environment.merging(["TICKPIPE_BINANCE_WS_API_URL": server.url]) { $1 })
            let result = risk.finish(timeout: 30)
            XCTAssertEqual(result.status, 100, "\(label): \(result.err)")
            XCTAssertTrue(result.err.hasPrefix(expected), "\(label): \(result.err)")
            XCTAssertEqual(result.err.split(separator: "\n").count, 1, "\(label): one line: \(result.err)")
            XCTAssertFalse(result.err.contains(Self.apiKey))
        }
        XCTAssertNil(server.await(1) { $0["request"] != nil }, "a request reached the venue: \(server.seen)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: journal))
    }
}
