import Foundation
import Glibc
import TestSupport
import XCTest

/// `risk --alert-webhook`: a flatten and the halt it makes reach a loopback receiver as JSON,
/// the first attempt refused (500) and sent again; risk's loop never waits on it.
final class AlertWebhookTests: XCTestCase {
    func testAFlattenIsPostedAndRetried() throws {
        let receiver = try WebhookReceiver(failFirst: 1)
        let port = receiver.port
        let session = try RiskTests.Session("webhook", risk: ["--alert-webhook", "http://127.0.0.1:\(port)/alerts"])
        usleep(1_000_000)
        kill(session.risk.pid, SIGUSR1)
        let posts = receiver.posts(delivered: 2, within: 10)
        let output = session.stop()
        let delivered = posts.filter { $0["status"] as? Int == 200 }.compactMap { $0["body"] as? [String: Any] }
        XCTAssertEqual(posts.first?["status"] as? Int, 500, "\(posts)")
        XCTAssertEqual(delivered.map { $0["event"] as? String }, ["flatten", "halt"], "\(posts)\n\(output.risk)")
        XCTAssertEqual(delivered.first?["session"] as? String, session.name)
        XCTAssertEqual(
            delivered.last?["detail"] as? String, "flatten requested (SIGUSR1 to risk pid \(session.risk.pid))")
        XCTAssertTrue(
            output.risk.contains(
                "risk: alert webhook: http://127.0.0.1:\(port)/alerts answered 500; the "
                    + "flatten alert again in 1000 ms"), output.risk)
    }

    /// A live exec on an account with 1 USDT and no BTC: the venue refuses every order for the
    /// balance, and risk (`--reject-storm 5`) alerts the storm with the reason, once.
    func testARejectStormIsAlertedWithItsReason() throws {
        try LoopbackTLS.requirePython(["websockets", "cryptography"])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-storm-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let venue = try APIStandIn.BTCUSDT(in: directory, ["--balance", "USDT:1", "--balance", "BTC:0"])
        let receiver = try WebhookReceiver()
        let session = try RiskTests.Session(
            "storm", risk: ["--reject-storm", "5", "--alert-webhook", "http://127.0.0.1:\(receiver.port)/alerts"],
            execArguments: venue.venueArguments(journal: directory.appendingPathComponent("exec-venue.jsonl").path),
            feedArguments: ["--symbols", "BTCUSDT", "--instrument", "BTCUSDT:0.01000000:0.00000001"],
            execEnvironment: venue.environment)
        let alerts = receiver.posts(delivered: 1, within: 20).compactMap { $0["body"] as? [String: Any] }
        let output = session.stop()
        XCTAssertEqual(alerts.first?["event"] as? String, "reject-storm", "\(alerts)\n\(output.risk)\n\(output.exec)")
        let detail = try XCTUnwrap(alerts.first?["detail"] as? String)
        XCTAssertTrue(
            detail.hasSuffix("of exec's orders rejected in the last 10 s (the last: insufficientBalance)"), detail)
        XCTAssertEqual(
            output.risk.components(separatedBy: "risk: reject storm: ").count, 2, "said once: \(output.risk)")
    }
}

/// Tests/LivePeer/webhook_server.py on loopback: every POST it answered, as a JSON line.
final class WebhookReceiver {
    let process = Process()
    let lines: LineReader
    let port: Int

    /// `failFirst`: that many POSTs answered 500 first.
    init(failFirst: Int = 0) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("LivePeer/webhook_server.py").path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "--fail-first", "\(failFirst)"]
        let stdout = Pipe()
        process.standardOutput = stdout
        try process.run()
        lines = LineReader(stdout.fileHandleForReading)
        let ready = try XCTUnwrap(lines.line(timeout: 20), "the webhook receiver did not start")
        port = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(ready.utf8)) as? [String: Int])?["port"])
    }

    /// The POSTs seen (status and body) until `delivered` were answered 200 or `seconds` passed.
    func posts(delivered: Int, within seconds: Double) -> [[String: Any]] {
        var posts: [[String: Any]] = []
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, posts.filter({ $0["status"] as? Int == 200 }).count < delivered,
            let line = lines.line(timeout: deadline.timeIntervalSinceNow)
        {
            if let post = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] {
                posts.append(post)
            }
        }
        return posts
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
    }
}
