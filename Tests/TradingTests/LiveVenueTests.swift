import Foundation
import IPC
import TestSupport
import XCTest

/// `exec --venue binance-spot` against the WebSocket API stand-in (loopback TLS, Ed25519 logon):
/// a synthetic market through feed, book and signal, exec's orders at the stand-in, trades
/// printed through them there; exec's fills and fees equal the stand-in's, and nothing is left
/// open but what was never exec's.
final class LiveVenueTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        try LoopbackTLS.requirePython(["websockets", "cryptography"])
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-live-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    /// This run's orders (`tp` ids but the seeded earlier run's) in a listing line of the
    /// stand-in's (the last one seen if nil).
    func ours(_ server: APIStandIn, in line: [String: Any]? = nil) -> [[String: Any]] {
        let listing = (line ?? server.seen.last { $0["orders"] != nil })?["orders"] as? [[String: Any]] ?? []
        return listing.filter { ($0["c"] as? String)?.hasPrefix("tp") == true && $0["c"] as? String != "tp0-7" }
    }

    /// The stand-in on a new certificate, knowing a new Ed25519 key and BTCUSDT (`more`: more of
    /// its options).
    func standIn(_ more: [String] = []) throws -> (
        server: APIStandIn, certificate: (cert: String, key: String), key: (privateKey: String, publicKey: String)
    ) {
        let venue = try APIStandIn.BTCUSDT(in: directory, more)
        return (venue.server, venue.certificate, venue.key)
    }

    /// feed (a synthetic market of `symbols` for `seconds`) | book | signal | exec on the
    /// stand-in (`exec`: more of its options); the four stages in that order.
    func livePipeline(
        server: APIStandIn, certificate: (cert: String, key: String), key: (privateKey: String, publicKey: String),
        journal: String, venueJournal: String, seconds: Int, symbols: [String] = ["BTCUSDT"], exec: [String] = []
    ) throws -> [ChildProcess] {
        let feed = try ChildProcess(
            "feed",
            [
                "--synthetic", "--symbols", symbols.joined(separator: ","), "--instrument",
                "BTCUSDT:0.01000000:0.00000001", "--duration", "\(seconds)"
            ],
            handsOnStdout: true)
        let book = try ChildProcess(
            "book", ["--out", "-", "--pass-deltas"], stdin: feed.stdoutHandle, handsOnStdout: true)
        let signal = try ChildProcess(
            "signal", ["--out", "-", "--pass-through"], stdin: book.stdoutHandle, handsOnStdout: true)
        let exec = try ChildProcess(
            "exec",
            [
                "--venue", "binance-spot", "--venue-journal", venueJournal, "--journal", journal, "--ca-file",
                certificate.cert
            ] + exec,
            stdin: signal.stdoutHandle,
            environment: [
                "TICKPIPE_BINANCE_API_KEY": APIStandIn.apiKey, "TICKPIPE_BINANCE_KEY_FILE": key.privateKey,
                "TICKPIPE_BINANCE_WS_API_URL": server.url
            ])
        return [feed, book, signal, exec]
    }

    /// With the venue's ORDERS limit at 20 new orders per 10 s: as the count nears it, quotes
    /// move only for larger steps, and no new order is refused for the rate (-1015).
    func testExecTradesAtTheStandInAndBooksWhatTheVenueFilled() throws {
        let err = try trade(standIn: ["--orders-limit", "20"])
        XCTAssertFalse(err.contains("unknown after"), err)
        XCTAssertTrue(err.contains("quotes move only for"), err)
        XCTAssertFalse(err.contains("-1015"), err)
    }

    /// The stand-in's faults: the first exchangeInfo refused 429 (asked again), a symbol it does
    /// not list (its orders refused); mid-run, the API key revoked for a second (401 -2015), a
    /// cancel-replace executed and answered 503 -1007, another executed and its connection
    /// dropped before the answer, every event sent twice and out of order, the venue's clock
    /// jumping 8 s (-1021), 0.5 BTC deposited, `serverShutdown`.
    /// Each order in doubt is asked about, never sent again; fills are booked once; the books
    /// still agree; the deposit is said as a balance the fills do not explain.
    func testFaultsLeaveNothingLostOrSentTwice() throws {
        let err = try trade(
            standIn: ["--rate-limit-first", "exchangeInfo"], unlisted: "ETHUSDT",
            faults: [
                (0.5, ["revoke_key": true]), (1, ["duplicate_events": true]), (1.5, ["revoke_key": false]),
                (2, ["timeout_next": "order.cancelReplace"]),
                (3, ["swap_events": true]), (4, ["drop_next": "order.cancelReplace"]), (5, ["clock_skew_ms": 8_000]),
                (5.5, ["deposit": ["asset": "BTC", "amount": "0.5"]]), (6, ["shutdown": true])
            ])
        // The key revoked for a second: said, logged on again once the venue takes it.
        XCTAssertTrue(err.contains("the venue refuses the API key (-2015: revoked"), err)
        XCTAssertTrue(err.contains("the venue takes the API key again"), err)
        XCTAssertTrue(err.contains("exchangeInfo: status 429, code -1003"), err)
        XCTAssertTrue(err.contains("asking again in 2 s"), err)
        XCTAssertTrue(err.contains("ETHUSDT: exchangeInfo: status 400, code -1121: Invalid symbol."), err)
        XCTAssertTrue(err.contains("unknown after status 503, code -1007"), err)
        XCTAssertTrue(err.contains("connection lost"), err)
        XCTAssertTrue(err.contains("reported again; booked once"), err)
        // The venue's clock jumped 8 s: a request refused for its timestamp, the time read again.
        XCTAssertTrue(err.contains("code -1021: Timestamp for this request is outside of the recvWindow."), err)
        XCTAssertTrue(err.contains("signed requests go again"), err)
        XCTAssertTrue(err.contains("the server is shutting down (serverShutdown)"), err)
        // 0.5 BTC deposited: a difference the fills do not explain, said and journaled.
        XCTAssertTrue(err.contains("BTCUSDT: the BTC balance is 0.50000000 more than exec's fills explain"), err)
    }

    /// The strategy wants a smaller bid at the same price: exec (fed intents by hand on a pipe)
    /// amends the order with `order.amend.keepPriority`, which keeps its place in the queue: an
    /// order another client placed at that price after ours is still behind it, and a trade
    /// fills ours first. The books still agree and nothing is left open.
    func testASizeCutAtThePriceAmendsTheOrderAndKeepsItsPlaceInTheQueue() throws {
        let (server, certificate, key) = try standIn()
        let journal = directory.appendingPathComponent("exec.journal").path
        let venueJournal = directory.appendingPathComponent("exec-venue.jsonl").path
        let input = Pipe()
        let exec = try ChildProcess(
            "exec",
            [
                "--venue", "binance-spot", "--venue-journal", venueJournal, "--journal", journal, "--ca-file",
                certificate.cert
            ],
            stdin: input.fileHandleForReading,
            environment: [
                "TICKPIPE_BINANCE_API_KEY": APIStandIn.apiKey, "TICKPIPE_BINANCE_KEY_FILE": key.privateKey,
                "TICKPIPE_BINANCE_WS_API_URL": server.url
            ])
        try input.fileHandleForReading.close()
        let writer = try FrameStreamWriter(fd: input.fileHandleForWriting.fileDescriptor, subject: "exec's input")
        let instrument = try Instrument(
            id: 1, symbol: "BTCUSDT", tickMantissa: 1, tickDecimals: 2, lotMantissa: 1, lotDecimals: 8,
            priceDisplayDecimals: 2, sizeDisplayDecimals: 8)
        let header = FrameHeader(type: .quoteIntent, flags: .endOfMessage, instrument: 1)
        let lots: Int64 = 100_000_000 // 1.0
        func quote(bidSize: Int64) throws {
            try writer.write(
                BookTop(header: header, bidPrice: 9_999, bidSize: 5 * lots, askPrice: 10_001, askSize: 5 * lots))
            try writer.write(
                QuoteIntent(header: header, bidPrice: 9_900, bidSize: bidSize, askPrice: 10_100, askSize: lots))
            try writer.flush()
        }
        try writer.write(InstrumentDefinition(instrument))
        try server.send(["book": ["symbol": "BTCUSDT", "bid": "99.99", "ask": "100.01", "size": "5"]])
        // Quoted until the venue is ready and both orders rest.
        var bid: [String: Any]?
        for _ in 0..<40 where bid == nil {
            try quote(bidSize: lots)
            bid = server.await(0.5) { self.ours(server, in: $0).count == 2 }.flatMap {
                self.ours(server, in: $0).first { $0["side"] as? String == "BUY" }
            }
        }
        let placed = try XCTUnwrap(bid?["c"] as? String, exec.errorsSoFar)
        // Another client joins the queue at our price, behind us.
        try server.send([
            "seed": [
                "symbol": "BTCUSDT", "side": "BUY", "price": "99.00", "quantity": "1.000", "clientOrderId": "other-2"
            ]
        ])
        // The strategy now wants 0.4 at the same price (said until exec has heard its order
        // acknowledged and acts on it): amended, not replaced.
        var amended: [String: Any]?
        for _ in 0..<20 where amended == nil {
            try quote(bidSize: 4 * lots / 10)
            amended = server.await(0.5) { $0["amended"] != nil }?["amended"] as? [String: Any]
        }
        let made = try XCTUnwrap(amended, exec.errorsSoFar)
        XCTAssertEqual(made["C"] as? String, placed)
        XCTAssertEqual(made["quantity"] as? String, "0.40000000")
        // 0.5 trades at 99.00: ours first (0.4, all of it), then 0.1 of the other client's.
        try server.send(["trade": ["symbol": "BTCUSDT", "price": "99.00", "quantity": "0.500"]])
        let fills = (0..<2).compactMap { _ in server.await(5) { $0["fill"] != nil }?["fill"] as? [String: Any] }
        XCTAssertEqual(fills.first?["clientOrderId"] as? String, made["c"] as? String, "\(fills)")
        XCTAssertEqual(fills.first?["qty"] as? String, "0.40000000")
        _ = server.await(1) { _ in false }
        try input.fileHandleForWriting.close()
        let result = exec.finish(timeout: 30)
        XCTAssertEqual(result.status, 0, result.err)
        let sent = try String(contentsOfFile: venueJournal, encoding: .utf8).split(separator: "\n").compactMap {
            ((try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any])?["sent"] as? [String: Any]
        }
        XCTAssertEqual(sent.filter { $0["method"] as? String == "order.amend.keepPriority" }.count, 1)
        XCTAssertEqual(sent.filter { $0["method"] as? String == "order.cancelReplace" }.count, 0)
        // exec booked the fill to the amended order, once; nothing of exec's left open.
        let csv = try ChildProcess("exec", ["journal", journal, "--fills"]).finish()
        XCTAssertEqual(csv.out.split(separator: "\n").count, 2, csv.out)
        let left = server.seen.last { $0["orders"] != nil }?["orders"] as? [[String: Any]] ?? []
        XCTAssertEqual(left.compactMap { $0["c"] as? String }, ["other-2"], result.err)
    }

    /// exec SIGKILLed with orders resting, one partly filled; trades print through them while it
    /// is down; a new exec continuing the journal (`--append`) carries on the position, counts on
    /// from the run before's ids, asks about the orders it left and books the fills it missed,
    /// once: at the end exec's books equal the venue's and nothing of exec's is left open.
    func testARestartedExecBooksWhatFilledWhileItWasDown() throws {
        try restart(adopting: false)
    }

    /// The same with `--on-start adopt`: the orders the run before left open are not cancelled
    /// at the start but become the order manager's, which moves or cancels them as its own
    /// (commands naming them as the order they replace or cancel), and places no order beside
    /// them.
    func testARestartedExecAdoptsTheOrdersItLeftOpen() throws {
        try restart(adopting: true)
    }

    func restart(adopting: Bool) throws {
        let (server, certificate, key) = try standIn()
        let journal = directory.appendingPathComponent("exec.journal").path
        let venueJournal = directory.appendingPathComponent("exec-venue.jsonl").path
        func trade(through orders: [[String: Any]], buys: String, sells: String) throws {
            for order in orders {
                let buy = order["side"] as? String == "BUY"
                try server.send([
                    "trade": ["symbol": "BTCUSDT", "price": order["price"]!, "quantity": buy ? buys : sells]
                ])
            }
        }

        // The first run: quoting; the market frozen (feed stopped), so its orders stay where they
        // are; a part of each filled and journaled; then exec killed.
        let first = try livePipeline(
            server: server, certificate: certificate, key: key, journal: journal, venueJournal: venueJournal,
            seconds: 60)
        XCTAssertNotNil(server.await(20) { self.ours(server, in: $0).count == 2 }, first[3].errorsSoFar)
        kill(first[0].pid, SIGSTOP)
        _ = server.await(0.5) { _ in false }
        let resting = ours(server)
        XCTAssertEqual(resting.count, 2, "\(resting)")
        try trade(through: resting, buys: "0.040", sells: "0.040")
        let deadline = Date().addingTimeInterval(10)
        var journaled = 0
        while Date() < deadline {
            let csv = try ChildProcess("exec", ["journal", journal, "--fills"]).finish()
            journaled = csv.out.split(separator: "\n").count - 1
            if journaled == resting.count { break }
            usleep(100_000)
        }
        XCTAssertEqual(journaled, resting.count, "exec journaled the partial fills")
        kill(first[3].pid, SIGKILL)
        kill(first[0].pid, SIGCONT)
        XCTAssertEqual(first[3].finish(timeout: 10).status, 9)
        for stage in first.dropLast().reversed() {
            try stage.stdoutHandle.close()
            _ = stage.finish(timeout: 20)
        }
        // While it is down: more of its resting orders fill.
        let left = ours(server)
        XCTAssertFalse(left.isEmpty, "orders left resting at the kill")
        try trade(through: left, buys: "0.200", sells: "0.200")
        _ = server.await(1) { _ in false }
        let fillsWhileDown = server.seen.filter { $0["fill"] != nil }.count
        XCTAssertGreaterThan(fillsWhileDown, 0)

        let firstRunPlaces =
            try String(contentsOfFile: venueJournal, encoding: .utf8)
            .components(separatedBy: "\"method\":\"order.place\"").count - 1

        // The second run continues the journal.
        let second = try livePipeline(
            server: server, certificate: certificate, key: key, journal: journal, venueJournal: venueJournal,
            seconds: 6, exec: ["--append"] + (adopting ? ["--on-start", "adopt"] : []))
        let result = second[3].finish(timeout: 60)
        for stage in second.dropLast() { XCTAssertEqual(stage.finish().status, 0) }
        _ = server.await(1) { _ in false }
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertTrue(result.err.contains("BTCUSDT: continuing the journal: "), result.err)
        XCTAssertTrue(result.err.contains("left working by the run before (4000000 lots booked)"), result.err)
        XCTAssertTrue(result.err.contains("fetching its trades"), result.err)
        _ = try server.assertFillsAgree(withJournal: journal)
        // The fills it missed are in the balance it read at its start: no difference.
        XCTAssertTrue(result.err.contains("BTCUSDT: BTC balance +"), result.err)
        XCTAssertFalse(result.err.contains("than exec's fills explain"), result.err)
        let open = server.seen.last { $0["orders"] != nil }?["orders"] as? [[String: Any]] ?? []
        XCTAssertEqual(open.count, 0, "\(open)\n\(result.err)")
        // One prefix for both runs, every order id sent once.
        let records = try String(contentsOfFile: venueJournal, encoding: .utf8).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let newIds = records.compactMap {
            (($0["sent"] as? [String: Any])?["params"] as? [String: Any])?["newClientOrderId"] as? String
        }
        XCTAssertEqual(Set(newIds).count, newIds.count, "a client order id sent twice")
        XCTAssertEqual(Set(newIds.map { $0.split(separator: "-")[0] }).count, 1, "one prefix: \(Set(newIds))")

        // Adopted, the orders left open are the manager's: it replaces or cancels them by their
        // ids (no command of the first run names them: they were its newest); not adopted, the
        // start cancels them and the manager places its own.
        let leftIds = Set(left.compactMap { ($0["c"] as? String)?.split(separator: "-").last.map(String.init) })
        let commands = try ChildProcess("exec", ["journal", journal, "--orders"]).finish().out
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let orig = 12 // the CSV's orig_client_order_id (docs/exec.md)
        let naming = commands.filter { $0.count > orig && leftIds.contains(String($0[orig])) }
        let secondPlaces =
            records.filter {
                ($0["sent"] as? [String: Any])?["method"] as? String == "order.place"
            }.count - firstRunPlaces
        if adopting {
            XCTAssertTrue(result.err.contains("\(left.count) adopted"), result.err)
            XCTAssertEqual(Set(naming.map { String($0[orig]) }), leftIds, "the manager's commands: \(commands)")
            XCTAssertEqual(secondPlaces, 0, "a new order beside an adopted one: \(result.err)")
        } else {
            XCTAssertTrue(naming.isEmpty, "\(naming)")
            XCTAssertGreaterThan(secondPlaces, 0)
        }
    }

    /// Misconfiguration stops exec before anything is opened: its first line says why, exit 100.
    func testALiveExecWithoutKeysOrWithPaperModelsIsRefused() throws {
        let journal = directory.appendingPathComponent("venue.jsonl").path
        let cases: [([String], [String: String], String)] = [
            (["--venue", "binance-spot"], [:], "--venue binance-spot needs --venue-journal FILE"),
            (
                ["--venue", "binance-spot", "--venue-journal", journal, "--entry-latency-ms", "3"], [:],
                "the paper venue's model flags (latency, queue, fees) go with --venue binance-spot only for its "
                    + "--shadow-paper"
            ),
            (
                ["--inventory-target", "BTC:1"], [:],
                "--venue-journal, --testnet, --demo, --inventory-target, --on-start and --shadow-paper go with "
                    + "--venue binance-spot"
            ),
            (
                ["--shadow-paper", journal + ".shadow"], [:],
                "--venue-journal, --testnet, --demo, --inventory-target, --on-start and --shadow-paper go with "
                    + "--venue binance-spot"
            ),
            (
                ["--venue", "binance-spot", "--venue-journal", journal, "--shadow-paper", journal], [:],
                "--journal, --venue-journal and --shadow-paper name one file twice: give each its own"
            ),
            (
                ["--venue", "binance-spot", "--venue-journal", journal, "--on-start", "keep"], [:],
                "--on-start 'keep': expected cancel or adopt"
            ),
            (
                ["--venue", "binance-spot", "--venue-journal", journal, "--on-start", "adopt"], [:],
                "--on-start adopt keeps the orders of the journal exec continues: it needs --append"
            ),
            (
                ["--venue", "binance-spot", "--venue-journal", journal, "--inventory-target", "BTC:-1"], [:],
                "--inventory-target 'BTC:-1': expected ASSET:QTY, a quantity of the asset like BTC:0.5"
            ),
            (
                ["--venue", "binance-spot", "--venue-journal", journal],
                ["TICKPIPE_BINANCE_API_KEY": "", "TICKPIPE_BINANCE_KEY_FILE": ""], "TICKPIPE_BINANCE_API_KEY"
            )
        ]
        for (arguments, environment, expected) in cases {
            let result = try ChildProcess("exec", arguments, environment: environment).finish()
            XCTAssertEqual(result.status, 100, "\(arguments): \(result.err)")
            // The first line says what is wrong (a usage error then prints the usage).
            XCTAssertTrue(
                result.err.split(separator: "\n").first?.contains(expected) == true, "\(arguments): \(result.err)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: journal), "nothing opened")
    }

    /// A venue journal that cannot be written (a full disk) stops exec: exit 111, the reason said.
    func testAnUnwritableVenueJournalStopsExec() throws {
        let (server, certificate, key) = try standIn()
        let feed = try ChildProcess(
            "feed", ["--synthetic", "--symbols", "BTCUSDT", "--duration", "5"], handsOnStdout: true)
        let book = try ChildProcess(
            "book", ["--out", "-", "--pass-deltas"], stdin: feed.stdoutHandle, handsOnStdout: true)
        let signal = try ChildProcess(
            "signal", ["--out", "-", "--pass-through"], stdin: book.stdoutHandle, handsOnStdout: true)
        let exec = try ChildProcess(
            "exec", ["--venue", "binance-spot", "--venue-journal", "/dev/full", "--ca-file", certificate.cert],
            stdin: signal.stdoutHandle,
            environment: [
                "TICKPIPE_BINANCE_API_KEY": APIStandIn.apiKey, "TICKPIPE_BINANCE_KEY_FILE": key.privateKey,
                "TICKPIPE_BINANCE_WS_API_URL": server.url
            ])
        let result = exec.finish(timeout: 60)
        // This process's copies of the pipes' read ends are the last readers: closed, the stages
        // before exec see a broken pipe and stop.
        for stage in [signal, book, feed] {
            try stage.stdoutHandle.close()
            _ = stage.finish()
        }
        XCTAssertEqual(result.status, 111, result.err)
        XCTAssertTrue(result.err.contains("exec: venue journal /dev/full: "), result.err)
    }

    /// exec against the stand-in for 14 s of a synthetic market, trades printed through its
    /// orders for 7 s, `faults` sent to the stand-in at their seconds into that; exec's stderr.
    /// `standIn`: more of the stand-in's options; `unlisted`: a symbol quoted too, but not listed
    /// by the stand-in; `exec`: more of exec's options; `prints`: the quantity printed through
    /// each bid and each ask.
    func trade(
        standIn: [String] = [], unlisted: String? = nil, faults: [(seconds: Double, command: [String: Any])] = [],
        exec: [String] = [], prints: (buys: String, sells: String) = ("0.400", "5.000")
    ) throws -> String {
        let (server, certificate, key) = try self.standIn(standIn)
        // An earlier run's order (cancelled at the start) and another client's (left alone).
        try server.send([
            "seed": [
                "symbol": "BTCUSDT", "side": "BUY", "price": "90.00", "quantity": "1.000", "clientOrderId": "tp0-7"
            ]
        ])
        try server.send([
            "seed": [
                "symbol": "BTCUSDT", "side": "SELL", "price": "120.00", "quantity": "1.000", "clientOrderId": "other-1"
            ]
        ])
        XCTAssertNotNil(server.await(5) { $0["open_orders"] as? Int == 2 })

        let journal = directory.appendingPathComponent("exec.journal").path
        let venueJournal = directory.appendingPathComponent("exec-venue.jsonl").path
        let stages = try livePipeline(
            server: server, certificate: certificate, key: key, journal: journal, venueJournal: venueJournal,
            seconds: 14, symbols: ["BTCUSDT"] + (unlisted.map { [$0] } ?? []), exec: exec)
        let (feed, book, signal, exec) = (stages[0], stages[1], stages[2], stages[3])

        // Once exec quotes: trades print through its bid (part of it) and at its ask (all of it).
        XCTAssertNotNil(server.await(20) { !self.ours(server, in: $0).isEmpty }, exec.errorsSoFar)
        let start = Date()
        let until = start.addingTimeInterval(7)
        var printed = 0
        var faultsLeft = faults
        while Date() < until {
            while let fault = faultsLeft.first, Date().timeIntervalSince(start) >= fault.seconds {
                try server.send(fault.command)
                faultsLeft.removeFirst()
            }
            for order in ours(server) {
                let buy = order["side"] as? String == "BUY"
                try server.send([
                    "trade": [
                        "symbol": "BTCUSDT", "price": order["price"]!, "quantity": buy ? prints.buys : prints.sells
                    ]
                ])
                printed += 1
            }
            _ = server.await(0.5) { _ in false }
        }
        let result = exec.finish(timeout: 60)
        for stage in [signal, book, feed] { XCTAssertEqual(stage.finish().status, 0) }
        _ = server.await(1) { _ in false }
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertGreaterThan(printed, 0)

        // The venue's fills, and exec's, the same: count, sizes, prices, fees (in USDT); the
        // account's BTC as exec last read it equal to the stand-in's, and explained by the fills
        // but for what was deposited.
        _ = try server.assertFillsAgree(withJournal: journal)
        let deposited = faults.compactMap { ($0.command["deposit"] as? [String: String])?["amount"] }
            .reduce(Decimal(0)) { $0 + Decimal(string: $1)! }
        try server.assertBalanceAgrees(execErr: result.err, symbol: "BTCUSDT", asset: "BTC", unexplained: deposited)
        if deposited == 0 { XCTAssertFalse(result.err.contains("than exec's fills explain"), result.err) }
        // exec's position is the account's: BTC held less the 10 at the start, base-asset fees
        // and the deposit adjusted in.
        try server.assertPositionIsTheAccounts(
            execErr: result.err, symbol: "BTCUSDT", asset: "BTC", start: 10, lot: Decimal(string: "0.00000001")!)

        // At the end: the earlier run's order cancelled, exec's cancelled, the other client's kept.
        let left = server.seen.last { $0["orders"] != nil }?["orders"] as? [[String: Any]] ?? []
        XCTAssertEqual(left.compactMap { $0["c"] as? String }, ["other-1"], "\(left)\n\(result.err)")
        XCTAssertTrue(
            result.err.contains("BTCUSDT: at start 1 open orders of earlier runs (cancelling them), 1 of others"),
            result.err)

        // The venue journal: every line JSON; every order request and every answer there.
        let lines = try String(contentsOfFile: venueJournal, encoding: .utf8).split(separator: "\n")
        let records = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        XCTAssertEqual(records.count, lines.count, "every venue journal line is JSON")
        let sent = records.compactMap { $0["sent"] as? [String: Any] }
        let places = sent.filter {
            $0["method"] as? String == "order.place" || $0["method"] as? String == "order.cancelReplace"
        }
        let served = server.seen.filter {
            $0["fault"] == nil
                && ($0["request"] as? String == "order.place" || $0["request"] as? String == "order.cancelReplace")
        }
        // What reached the stand-in: every order request, but those a dropped connection lost.
        let drops = faults.filter { $0.command["drop_next"] != nil }.count
        XCTAssertTrue(
            drops > 0 ? places.count >= served.count : places.count == served.count,
            "\(places.count) sent, \(served.count) served")
        XCTAssertGreaterThan(places.count, 0)
        // No order sent twice: every new client order id once.
        let newIds = places.compactMap { ($0["params"] as? [String: Any])?["newClientOrderId"] as? String }
        XCTAssertEqual(Set(newIds).count, places.count, "a client order id sent twice")
        // Every request answered, but what a dropped connection took with it: an order request
        // lost so is asked about (order.status), never sent again.
        let answered = Set(records.compactMap { ($0["received"] as? [String: Any])?["id"] as? Int })
        let unanswered = sent.filter { !answered.contains($0["id"] as? Int ?? -1) }
        if drops == 0 { XCTAssertEqual(unanswered.count, 0, "\(unanswered)") }
        let asked = Set(
            sent.filter { $0["method"] as? String == "order.status" }.compactMap {
                ($0["params"] as? [String: Any])?["origClientOrderId"] as? String
            })
        for request in unanswered {
            guard let id = (request["params"] as? [String: Any])?["newClientOrderId"] as? String else { continue }
            XCTAssertTrue(asked.contains(id), "order \(id) lost with its connection and never asked about")
        }
        let text = lines.joined(separator: "\n")
        XCTAssertFalse(text.contains(APIStandIn.apiKey))
        let privateKeyBody = try String(contentsOfFile: key.privateKey, encoding: .utf8).split(separator: "\n")[1]
        XCTAssertFalse(text.contains(privateKeyBody))
        XCTAssertFalse(result.err.contains(APIStandIn.apiKey))
        if drops > 0 {
            XCTAssertEqual(server.seen.filter { $0["fault"] as? String == "dropped" }.count, drops)
        }
        return result.err
    }
}
