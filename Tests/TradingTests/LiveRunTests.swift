import Foundation
import IPC
import TestSupport
import XCTest

@testable import ExecCore

/// `./run.sh --live BTCUSDT --trade` as a desk would run it, against one stand-in that is both
/// the market (the BTCUSDT recording replayed at its own pace: streams, snapshot, exchangeInfo)
/// and the WebSocket API, whose matching meets exec's orders with the same touch and trades the
/// feed sees. Only the URLs and the CA differ from the exchange.
final class LiveRunTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        try LoopbackTLS.requirePython(["websockets", "cryptography"])
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-liverun-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    /// The stand-in (market and API: the BTCUSDT recording, 1 BTC and 100000 USDT) and
    /// `./run.sh --live BTCUSDT --trade --session SESSION` with `arguments` started against it;
    /// the run's directory is removed at the test's end.
    func liveRun(_ name: String, _ arguments: [String]) throws -> (
        server: APIStandIn, run: ChildProcess, runDirectory: URL, key: (privateKey: String, publicKey: String)
    ) {
        let data = try sharedDataDirectory()
        let certificate = try LoopbackTLS.makeCertificate(in: directory)
        let key = try LoopbackTLS.makeEd25519Key(in: directory)
        let server = try APIStandIn(
            certificate: certificate,
            keys: [
                "--ed25519-public-key", key.publicKey, "--exchange-info", "\(data)/cryptofeed/BINANCE.0",
                "--market-recording", "\(data)/binance-spot/btcusdt_20240808.gz", "--balance", "BTC:1",
                "--balance", "USDT:100000"
            ])
        let market = try XCTUnwrap(server.marketPorts)
        let session = "\(name)\(getpid())"
        let runDirectory = RunScript.root.appendingPathComponent("runs/\(session)")
        addTeardownBlock { RunScript.cleanUp(session) }
        let run = try RunScript.start(
            ["--live", "BTCUSDT", "--trade", "--session", session] + arguments,
            environment: [
                "TICKPIPE_BINANCE_WS_URL": "wss://127.0.0.1:\(market.stream)",
                "TICKPIPE_BINANCE_REST_URL": "https://127.0.0.1:\(market.rest)",
                "TICKPIPE_BINANCE_WS_API_URL": server.url, "TICKPIPE_CA_FILE": certificate.cert,
                "TICKPIPE_BINANCE_API_KEY": APIStandIn.apiKey, "TICKPIPE_BINANCE_KEY_FILE": key.privateKey
            ])
        return (server, run, runDirectory, key)
    }

    /// 60 s of trading: orders placed and filled; exec's fills, fees and position equal the
    /// stand-in's; nothing of exec's left open; report and CSVs written; the shadow paper venue's
    /// journal beside exec's, compared in the report; no key material in any file of the run, its
    /// output, or the live processes' command lines and environments.
    func testRunShTradesAtTheVenueFor60Seconds() throws {
        let (server, run, runDirectory, key) = try liveRun(
            "livetrade",
            [
                "--duration", "60", "--quote-size", "0.01", "--max-position", "0.05", "--summary-every", "20",
                "--shadow-paper", "--maker-fee-ppm", "1000", "--taker-fee-ppm", "1000"
            ])

        // Mid-run, once exec quotes: its and risk's command lines and environments hold no key.
        XCTAssertNotNil(server.await(30) { !($0["orders"] as? [Any] ?? []).isEmpty }, run.errorsSoFar)
        let pids = try String(contentsOf: runDirectory.appendingPathComponent("pids"), encoding: .utf8)
        var looked = 0
        for line in pids.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 2, ["exec", "risk"].contains(fields[0]) else { continue }
            for part in ["cmdline", "environ"] {
                let text = String(
                    decoding: (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(fields[1])/\(part)"))) ?? Data(),
                    as: UTF8.self)
                XCTAssertFalse(text.isEmpty, "/proc/\(fields[1])/\(part) unreadable")
                XCTAssertFalse(text.contains(APIStandIn.apiKey), "the API key in \(fields[0])'s \(part)")
                looked += 1
            }
        }
        XCTAssertEqual(looked, 4, pids)

        let result = run.finish(timeout: 150)
        _ = server.await(1) { _ in false }
        XCTAssertEqual(result.status, 0, result.err)

        // Orders went to the venue and were filled there; exec booked exactly what the venue did.
        let placed = server.seen.filter { $0["request"] as? String == "order.place" && $0["status"] as? Int == 200 }
        XCTAssertGreaterThan(placed.count, 10, result.err)
        let journal = runDirectory.appendingPathComponent("journal").path
        let venue = try server.assertFillsAgree(withJournal: journal)
        let summary = try XCTUnwrap(
            result.err.split(separator: "\n").last { $0.hasPrefix("exec: BTCUSDT: ") && $0.contains(" fills") },
            result.err)
        XCTAssertTrue(summary.hasPrefix("exec: BTCUSDT: \(venue.fills) fills"), "\(summary)")
        // The position is the account's: the BTC it holds less what it held at the start (the
        // fills, less the commissions paid in BTC), in the instrument's 10^-8 lots.
        try server.assertPositionIsTheAccounts(
            execErr: result.err, symbol: "BTCUSDT", asset: "BTC", start: 1, lot: Decimal(string: "0.00000001")!)
        XCTAssertNotEqual(venue.position, 0)
        // The account's BTC as exec last read it: the stand-in's, explained by exec's fills.
        try server.assertBalanceAgrees(execErr: result.err, symbol: "BTCUSDT", asset: "BTC")
        XCTAssertFalse(result.err.contains("than exec's fills explain"), result.err)

        // Nothing of exec's left open; the report and the CSVs written.
        let left = server.seen.last { $0["orders"] != nil }?["orders"] as? [[String: Any]] ?? []
        XCTAssertEqual(left.count, 0, "\(left)")
        for file in ["report.html", "orders.csv", "fills.csv", "exec-venue.jsonl", "risk-venue.jsonl"] {
            let size =
                (try? FileManager.default.attributesOfItem(atPath: runDirectory.appendingPathComponent(file).path))?[
                    .size] as? Int ?? 0
            XCTAssertGreaterThan(size, 0, "\(file) written")
        }

        // The report's commissions by asset are the stand-in's: what each fill paid, summed per
        // asset (in 10^-8, the stand-in's precision).
        var paid: [String: Int] = [:]
        for fill in server.seen.compactMap({ $0["fill"] as? [String: Any] }) {
            let asset = try XCTUnwrap(fill["commissionAsset"] as? String)
            let amount = try XCTUnwrap(
                (fill["commission"] as? String).flatMap { Int($0.replacingOccurrences(of: ".", with: "")) })
            paid[asset, default: 0] += amount
        }
        let commissions = paid.sorted { $0.key < $1.key }.map { asset, amount in
            let fraction = String(amount % 100_000_000)
            return "\(amount / 100_000_000).\(String(repeating: "0", count: 8 - fraction.count) + fraction) \(asset)"
        }.joined(separator: ", ")
        let report = try String(contentsOf: runDirectory.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(
            report.contains("<td>commissions at the venue, by asset</td><td class=\"v\">\(commissions)</td>"),
            "\(commissions)")
        XCTAssertTrue(report.contains("<td>trades at the venue</td><td class=\"v\">\(venue.fills)</td>"), report)

        // The shadow paper venue: every order placed live placed on paper under its client id,
        // and the report's counts of orders filled live, on paper, on both, as the two journals say.
        let shadow = runDirectory.appendingPathComponent("shadow.journal").path
        func orders(_ path: String, _ rows: String) throws -> (placed: Set<String>, filled: Set<String>) {
            let csv = try ChildProcess("exec", ["journal", path, rows]).finish()
            XCTAssertEqual(csv.status, 0, csv.err)
            let lines = csv.out.split(separator: "\n").dropFirst().map {
                $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            }
            // The CSV's command_or_report and client_order_id (docs/exec.md).
            let (kind, id) = (7, 11)
            return (
                Set(lines.filter { $0[kind] == "new" || $0[kind] == "replace" }.map { $0[id] }),
                Set(lines.filter { $0[kind] == "fill" || $0[kind] == "partialFill" }.map { $0[id] })
            )
        }
        let (livePlaced, _) = try orders(journal, "--orders")
        let (_, liveFilled) = try orders(journal, "--fills")
        let (paperPlaced, _) = try orders(shadow, "--orders")
        let (_, paperFilled) = try orders(shadow, "--fills")
        XCTAssertEqual(livePlaced, paperPlaced, "each order placed live has its twin on paper")
        XCTAssertFalse(paperFilled.isEmpty, "the paper venue filled nothing in 60 s: \(result.err)")
        let both = liveFilled.intersection(paperFilled).count
        let headline =
            "exec: shadow paper venue: BTCUSDT: \(livePlaced.count) orders placed live, \(paperPlaced.count) on "
            + "paper; filled \(liveFilled.count) live, \(paperFilled.count) on paper, \(both) on both, "
            + "\(liveFilled.count - both) live only, \(paperFilled.count - both) on paper only"
        XCTAssertTrue(result.err.contains(headline), "\(headline)\n\(result.err)")
        XCTAssertTrue(
            report.contains(
                "<tr><td>orders filled on both</td><td class=\"v\">\(both)</td><td class=\"v\">\(both)</td></tr>"),
            report)
        // The paper venue charged the fee flags' 0.1 %, as the stand-in's account did.
        let fees = try XCTUnwrap(
            report.range(
                of: "<tr><td>fees</td><td class=\"v\">[^<]*</td><td class=\"v\">[^<]*<", options: .regularExpression
            ).map { String(report[$0]) })
        XCTAssertFalse(fees.hasSuffix(">0.0000000000<"), fees)
        let shadowReport = try String(
            contentsOf: runDirectory.appendingPathComponent("shadow-report.html"), encoding: .utf8)
        XCTAssertTrue(shadowReport.contains("<td>fills</td><td class=\"v\">"), shadowReport)

        // No key material anywhere the run wrote, nor in what it printed.
        let privateKeyBody = try String(contentsOfFile: key.privateKey, encoding: .utf8).split(separator: "\n")[1]
        for name in try FileManager.default.contentsOfDirectory(atPath: runDirectory.path) {
            let bytes = try Data(contentsOf: runDirectory.appendingPathComponent(name))
            let text = String(decoding: bytes, as: UTF8.self)
            XCTAssertFalse(text.contains(APIStandIn.apiKey), "the API key in \(name)")
            XCTAssertFalse(text.contains(privateKeyBody), "the private key in \(name)")
        }
        XCTAssertFalse(result.err.contains(APIStandIn.apiKey))
        XCTAssertFalse(result.out.contains(APIStandIn.apiKey))
    }

    /// Two bots on one live account (`--bot`, `--trade`): every order asks the venue for
    /// `EXPIRE_TAKER` self-trade prevention, both bots' orders reach the venue, exec booked
    /// exactly what the venue filled (the bots' fills together), and nothing is left open.
    func testTwoBotsTradeOneAccountAtTheVenue() throws {
        let mm = directory.appendingPathComponent("mm.conf").path
        let wide = directory.appendingPathComponent("wide.conf").path
        try "strategy = fixed\nspread-ticks = 2\nquote-size = 0.01\nmax-position = 0.03\n".write(
            toFile: mm, atomically: true, encoding: .utf8)
        try "strategy = fixed\nspread-ticks = 6\nquote-size = 0.01\nmax-position = 0.02\n".write(
            toFile: wide, atomically: true, encoding: .utf8)
        let (server, run, runDirectory, _) = try liveRun(
            "livebots", ["--duration", "15", "--bot", "mm=\(mm)", "--bot", "wide=\(wide)"])
        let result = run.finish(timeout: 120)
        _ = server.await(1) { _ in false }
        XCTAssertEqual(result.status, 0, result.err)
        let orders = server.seen.filter {
            ["order.place", "order.cancelReplace"].contains($0["request"] as? String) && $0["status"] as? Int == 200
        }
        XCTAssertGreaterThan(orders.count, 4, result.err)
        XCTAssertEqual(
            orders.filter { $0["stp"] as? String != "EXPIRE_TAKER" }.count, 0, "every order asks for EXPIRE_TAKER")
        let journal = runDirectory.appendingPathComponent("journal").path
        var bots = Set<UInt16>()
        _ = try Journal.read(journal) { frame, _ in
            if frame.header.messageType == .orderCommand { bots.insert(frame.header.bot) }
        }
        XCTAssertEqual(bots, [0, 1], "both bots' orders")
        let venue = try server.assertFillsAgree(withJournal: journal)
        let fills = result.err.split(separator: "\n").filter { $0.hasPrefix("exec: BTCUSDT bot ") }.compactMap {
            Int($0.split(separator: " ")[4])
        }
        XCTAssertEqual(fills.count, 2, result.err)
        XCTAssertEqual(fills.reduce(0, +), venue.fills, "the bots' fills are the account's")
        let left = server.seen.last { $0["orders"] != nil }?["orders"] as? [[String: Any]] ?? []
        XCTAssertEqual(left.count, 0, "\(left)")
    }
}
