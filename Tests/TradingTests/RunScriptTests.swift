import Foundation
import Glibc
import IPC
import StrategyHarness
import TestSupport
import XCTest

@testable import ExecCore

/// `./run.sh` as a person runs it (on this build's tools, through TICKPIPE_BIN): on a terminal
/// (tmux) the dashboard shows the market and our trading move; a short run ends cleanly with what
/// exec traded and risk saw, a bad option starts nothing, and a process killed mid-run stops the
/// session, named, leaving nothing in /dev/shm.
final class RunScriptTests: XCTestCase {
    let root = RunScript.root

    func runScript(_ arguments: [String], environment: [String: String] = [:]) throws -> ChildProcess {
        try RunScript.start(arguments, environment: environment)
    }

    func segments(of session: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/dev/shm")) ?? []).filter {
            $0.hasPrefix("tickpipe.\(session).")
        }
    }

    func cleanUp(_ session: String) { RunScript.cleanUp(session) }

    func testAShortRunEndsCleanlyWithWhatExecTradedAndRiskSaw() throws {
        let session = "runsh\(getpid())"
        defer { cleanUp(session) }
        let run = try runScript(["--duration", "3", "--session", session, "--speed", "4", "--summary-every", "1"])
            .finish(timeout: 60)
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertEqual(segments(of: session), [], "no segment left behind")
        XCTAssertEqual(run.out, "", "no terminal, no dashboard: the summary lines go to stderr")
        let lines = run.err.split(separator: "\n")
        let summaries = lines.filter { $0.hasPrefix("exec: SYNUSDT: ") }
        XCTAssertGreaterThanOrEqual(summaries.count, 3, "one a second and the last: \(run.err)")
        let exec = try XCTUnwrap(summaries.last, run.err)
        let risk = try XCTUnwrap(lines.first { $0.hasPrefix("risk: SYNUSDT: ") }, run.err)
        XCTAssertEqual(positionField(risk), positionField(exec), "risk saw exec's position")
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: root.appendingPathComponent("runs/\(session)/journal").path))
        let report = try String(contentsOf: root.appendingPathComponent("runs/\(session)/report.html"), encoding: .utf8)
        XCTAssertTrue(report.contains("<h2>SYNUSDT</h2>") && report.contains("<polyline "), String(report.prefix(500)))
        let pids = try String(contentsOf: root.appendingPathComponent("runs/\(session)/pids"), encoding: .utf8)
        XCTAssertEqual(pids.split(separator: "\n").count, 6, "the session and five processes: \(pids)")
        // The run's files are its owner's only.
        let directory = root.appendingPathComponent("runs/\(session)").path
        for (path, mode) in [(directory, 0o700), (directory + "/..", 0o700)]
            + ["journal", "report.html", "orders.csv", "fills.csv", "exec.log", "pids"].map({
                (directory + "/" + $0, 0o600)
            })
        {
            var info = stat()
            XCTAssertEqual(stat(path, &info), 0, path)
            XCTAssertEqual(Int(info.st_mode & 0o777), mode, path)
        }
        // The same session again: refused before anything starts, the journal untouched.
        let journal = try Data(contentsOf: URL(fileURLWithPath: directory + "/journal"))
        let again = try runScript(["--duration", "3", "--session", session]).finish(timeout: 60)
        XCTAssertEqual(again.status, 100, again.err)
        XCTAssertTrue(
            again.err.contains("runs/\(session) holds the journal of an earlier run; a run never appends to another's"),
            again.err)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: directory + "/journal")), journal)
        XCTAssertEqual(segments(of: session), [])
    }

    /// `./run.sh --duration SECONDS` in a `columns` × `rows` terminal (tmux), its screen read with
    /// capture-pane once a second: the screens showing the dashboard, run.sh's exit status, and
    /// the screen after the run.
    func dashboardRun(_ session: String, columns: Int, rows: Int, seconds: Int, more: [String] = []) throws -> (
        screens: [String], status: String, after: String
    ) {
        let tmux = "/usr/bin/tmux"
        guard access(tmux, X_OK) == 0 else {
            throw XCTSkip("no \(tmux): apt-get install tmux (.ci/run does) to test the dashboard")
        }
        let socket = "tickpipe-test-\(session)"
        let exitFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(session).exit").path
        defer { unlink(exitFile) }
        let command =
            "cd '\(root.path)' && TICKPIPE_BIN='\(productsDirectory().path)' ./run.sh --duration \(seconds) "
            + "--session \(session) \(more.map { "'\($0)'" }.joined(separator: " ")); echo $? > '\(exitFile)'; sleep 60"
        let tmuxLog = exitFile + ".tmux"
        defer { unlink(tmuxLog) }
        XCTAssertEqual(
            try startDaemon(
                [tmux, "-L", socket, "new-session", "-d", "-s", "dash", "-x", "\(columns)", "-y", "\(rows)", command],
                log: tmuxLog), 0)
        defer { _ = try? startDaemon([tmux, "-L", socket, "kill-server"], log: tmuxLog) }
        var screens: [String] = []
        let deadline = Date().addingTimeInterval(Double(seconds) + 70)
        while access(exitFile, F_OK) != 0 && Date() < deadline {
            sleep(1)
            let capture = try ChildProcess(tmux, ["-L", socket, "capture-pane", "-p", "-t", "dash"]).finish(timeout: 30)
            if capture.out.contains("tickpipe  session \(session)") { screens.append(capture.out) }
        }
        let status =
            (try? String(contentsOfFile: exitFile, encoding: .utf8))?.trimmingCharacters(
                in: .whitespacesAndNewlines) ?? "none (run.sh did not end)"
        let after = try ChildProcess(tmux, ["-L", socket, "capture-pane", "-p", "-t", "dash"]).finish(timeout: 30)
        return (screens, status, after.out)
    }

    /// As the issue says a person would: `./run.sh --duration 20` in a terminal (tmux), the
    /// screen read with capture-pane once a second.
    func testTheDashboardShowsTheBookAndOurPositionAndPnLMoving() throws {
        let session = "runshdash\(getpid())"
        defer { cleanUp(session) }
        let (screens, status, after) = try dashboardRun(session, columns: 200, rows: 70, seconds: 20)
        let logs = root.appendingPathComponent("runs/\(session)")
        let logTails = ((try? FileManager.default.contentsOfDirectory(atPath: logs.path)) ?? []).filter {
            $0.hasSuffix(".log")
        }.map {
            "\($0): " + ((try? String(contentsOf: logs.appendingPathComponent($0), encoding: .utf8)) ?? "").suffix(400)
        }
        XCTAssertEqual(
            status, "0", "what run.sh said at the end: \(after)\nlogs: \(logTails.joined(separator: "\n"))")
        XCTAssertGreaterThanOrEqual(screens.count, 10, "the dashboard, redrawn while the run lasted")
        // Each screen while the session is in full swing (past the start, before feed's stream
        // ends and its ring goes) shows the levels, the strategy, risk, the processes and the rings.
        let running = screens.dropFirst(3).dropLast(3)
        for heading in [
            "bid size", "effective spread", "trades: ", "strategy  ", "orders placed", "risk (pid",
            "tick-to-order", "ring ", "  md ", "  risk.log: risk: watching session \(session)",
            "market: SYNTHETIC (SYNUSDT; prices made up, not the real instrument's)"
        ] {
            XCTAssertTrue(running.allSatisfy { $0.contains(heading) }, "\(heading): \(running.last ?? "")")
        }
        // And they move: the best levels, and our position and PnL.
        func line(after marker: String, in screen: String) -> String? {
            let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
            return lines.firstIndex { $0.hasPrefix(marker) }.map { String(lines[min($0 + 1, lines.count - 1)]) }
        }
        let tops = Set(screens.compactMap { line(after: "        bid size", in: $0) })
        let strategy = Set(
            screens.compactMap { line(after: "strategy  ", in: $0) }.filter { $0.hasPrefix("  SYNUSDT") })
        XCTAssertGreaterThanOrEqual(tops.count, 5, "the book moves: \(tops)")
        XCTAssertGreaterThanOrEqual(strategy.count, 3, "position and PnL move: \(strategy)")
        XCTAssertEqual(segments(of: session), [], "no segment left behind")
        // The report says the market was made up.
        let report = try String(
            contentsOf: root.appendingPathComponent("runs/\(session)/report.html"), encoding: .utf8)
        XCTAssertTrue(
            report.contains("<h1>tickpipe run \(session): the synthetic market (prices made up)</h1>"),
            String(report.prefix(600)))
    }

    /// Two bots (`--bot`): the dashboard's strategy table has a row per bot's account.
    func testTheDashboardShowsARowPerBot() throws {
        let session = "runshbots\(getpid())"
        defer { cleanUp(session) }
        let directory = NSTemporaryDirectory() + "dashbots\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "strategy = as\nquote-size = 0.1\nmax-position = 1\n".write(
            toFile: directory + "/mm.conf", atomically: true, encoding: .utf8)
        try "strategy = fixed\nspread-ticks = 4\nquote-size = 0.1\nmax-position = 0.5\n".write(
            toFile: directory + "/wide.conf", atomically: true, encoding: .utf8)
        let (screens, status, after) = try dashboardRun(
            session, columns: 200, rows: 70, seconds: 12,
            more: ["--speed", "4", "--bot", "mm=\(directory)/mm.conf", "--bot", "wide=\(directory)/wide.conf"])
        XCTAssertEqual(status, "0", after)
        let last = try XCTUnwrap(screens.dropLast(3).last, "no dashboard seen")
        for row in ["  SYNUSDT #0", "  SYNUSDT #1"] {
            XCTAssertTrue(last.contains(row), "\(row):\n\(last)")
        }
        XCTAssertEqual(segments(of: session), [], "no segment left behind")
    }

    /// The dashboard fits the terminal: at 100 × 30 and at 170 × 60 the strategy, risk and
    /// process lines are whole (wrapped at words, not cut), our working orders stand under the
    /// book's levels, and the small screen says what it folded.
    func testTheDashboardFitsSmallAndLargeTerminals() throws {
        for (columns, rows) in [(100, 30), (170, 60)] {
            let session = "runshfit\(columns)x\(getpid())"
            defer { cleanUp(session) }
            let (screens, status, _) = try dashboardRun(session, columns: columns, rows: rows, seconds: 12)
            XCTAssertEqual(status, "0")
            let running = screens.dropFirst(3).dropLast(3)
            XCTAssertGreaterThanOrEqual(running.count, 3, "\(columns)×\(rows): \(screens.last ?? "")")
            for screen in running {
                let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
                XCTAssertLessThanOrEqual(lines.count, rows, screen)
                XCTAssertTrue(lines.allSatisfy { $0.count <= columns }, screen)
                // Whole: each line's last part is there, not cut at the edge.
                for part in [
                    "strategy  ", "orders placed", "risk (pid", "stale data", "flattens ", " asked", "  exec ",
                    "  signal ", "ours: "
                ] {
                    XCTAssertTrue(screen.contains(part), "\(columns)×\(rows): \(part)\n\(screen)")
                }
                XCTAssertNotNil(
                    screen.range(
                        of: #"  exec .* [0-9.]+[num]s / [0-9.]+[num]s / [0-9.]+[num]s \([0-9]+\)"#,
                        options: .regularExpression) ?? screen.range(of: "no samples in the last second"),
                    screen)
                if columns == 100 {
                    XCTAssertTrue(screen.contains("folded to fit 100×30: "), screen)
                }
            }
        }
    }

    /// A replay is a backtest you can trust: signal sees exec's reports in market time, so the
    /// same recordings write the same journal, byte for byte, five times over and once more with
    /// a busy loop on every CPU (before, three runs gave 240, 432 and 133 fills), and so does
    /// the same replay in one thread through `StrategyHarness`. The report, rebuilt from the
    /// journal, agrees with exec's own books and with the journal booked again.
    func testAReplayOfBothRecordingsIsTheSameJournalEveryTimeAndTheReportIsTheJournals() throws {
        let data = try sharedDataDirectory()
        let files = ["btcusdt_20240808.gz", "btcusdt_20240809.gz"].map { "\(data)/binance-spot/\($0)" }
        var journals: [Data] = []
        var last: (status: Int32, out: String, err: String)?
        var session = ""
        for attempt in 0..<6 {
            if attempt > 0 { cleanUp(session) }
            session = "runshreplay\(attempt)x\(getpid())"
            var hogs: [ChildProcess] = []
            if attempt == 5 {
                for _ in 0..<max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) {
                    hogs.append(try ChildProcess("/bin/sh", ["-c", "while :; do :; done"]))
                }
            }
            let run = try runScript(["--replay"] + files + ["--session", session]).finish(timeout: 300)
            for hog in hogs {
                kill(hog.pid, SIGKILL)
                _ = hog.finish()
            }
            XCTAssertEqual(run.status, 0, run.err)
            XCTAssertEqual(segments(of: session), [])
            last = run
            journals.append(try Data(contentsOf: root.appendingPathComponent("runs/\(session)/journal")))
        }
        defer { cleanUp(session) }
        for (attempt, journal) in journals.enumerated().dropFirst() {
            XCTAssertTrue(journal == journals[0], "run \(attempt + 1) journaled other bytes than run 1")
        }
        let run = try XCTUnwrap(last)
        let lines = run.err.split(separator: "\n")
        let exec = try XCTUnwrap(lines.last { $0.hasPrefix("exec: BTCUSDT: ") }, run.err)
        // The same replay in one thread, through StrategyHarness with run.sh's options: the same
        // journal, the same books.
        let harnessJournal = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tickpipe-harness-\(getpid()).journal"
        ).path
        defer { unlink(harnessJournal) }
        let results = try StrategyHarness(
            files: files, exchangeInfo: "\(data)/cryptofeed/BINANCE.0",
            signal: [
                "--quote-size", "0.1", "--max-position", "1", "--strategy", "as", "--gamma", "0.01", "--horizon", "10"
            ],
            exec: ["--max-position", "1"]
        ).replay(journal: harnessJournal).results
        XCTAssertEqual(results.map(\.summary), [String(exec)])
        XCTAssertTrue(
            try Data(contentsOf: URL(fileURLWithPath: harnessJournal)) == journals[0],
            "StrategyHarness journaled other bytes than run.sh")
        // The report, rebuilt from the journal, agrees with exec's own books.
        let report = try String(contentsOf: root.appendingPathComponent("runs/\(session)/report.html"), encoding: .utf8)
        let fills = try XCTUnwrap(exec.split(separator: " ").dropFirst(2).first)
        XCTAssertTrue(report.contains("<tr><td>fills</td><td class=\"v\">\(fills)</td></tr>"), "\(exec)")
        let realized = try XCTUnwrap(exec.range(of: "realized ").map { exec[$0.upperBound...].prefix { $0 != " " } })
        XCTAssertTrue(
            report.contains("<tr><td>realized PnL (ticks × lots)</td><td class=\"v\">\(realized)</td></tr>"), "\(exec)")
        // And with the journal booked again here, fill by fill.
        var ledger = PositionLedger()
        var instrument: Instrument?
        _ = try Journal.read(root.appendingPathComponent("runs/\(session)/journal").path) { frame, _ in
            if frame.header.messageType == .instrumentDefinition {
                instrument = try? frame.as(InstrumentDefinition.self).instrument()
            }
            guard frame.header.messageType == .executionReport else { return }
            let report = frame.as(ExecutionReport.self)
            if report.report == .fill || report.report == .partialFill { ledger.book(report) }
        }
        let btc = try XCTUnwrap(instrument)
        for (label, value) in [
            ("fills", "\(ledger.fills)"), ("realized PnL (ticks × lots)", "\(ledger.realizedPnl)"),
            ("fees (ticks × lots)", "\(ledger.fees)"), ("turnover (volume)", btc.formatVolume(ledger.volume)),
            ("final position", btc.formatSize(ledger.position))
        ] {
            XCTAssertTrue(
                report.contains("<tr><td>\(label)</td><td class=\"v\">\(value)</td></tr>"), "\(label) = \(value)")
        }
    }

    /// A strategy file's max-position binds signal, exec and risk alike (it reached only signal),
    /// and exec's limit counts the orders working: the position never passes it.
    func testTheStrategyFilesPositionLimitHoldsForExecAndRisk() throws {
        let data = try sharedDataDirectory()
        let session = "runshlimit\(getpid())"
        defer { cleanUp(session) }
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-limit-\(getpid()).conf")
            .path
        defer { unlink(config) }
        // A session file: the strategy's lines, and exec's and risk's behind their names.
        try """
        strategy = fixed
        spread-ticks = 2
        quote-size = 0.02
        max-position = 0.03  # BTC
        exec.maker-fee-ppm = 0
        exec.taker-fee-ppm = 0
        exec.queue-model = risk-averse
        risk.max-drawdown = 1000
        risk.reject-storm = 7
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let run = try runScript([
            "--replay", "\(data)/binance-spot/btcusdt_20240808.gz", "--speed", "max", "--session", session,
            "--config", config
        ]).finish(timeout: 300)
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(run.err.contains("limits: max position 0.06,"), "risk's limit is twice exec's: \(run.err)")
        XCTAssertTrue(run.err.contains("max drawdown 1000.0, "), "risk's line of the file: \(run.err)")
        let exec = try XCTUnwrap(run.err.split(separator: "\n").last { $0.hasPrefix("exec: BTCUSDT: ") }, run.err)
        XCTAssertTrue(exec.contains(" and fees 0 ticks × lots"), "exec's fee lines of the file: \(exec)")
        var ledger = PositionLedger()
        var largest: Int64 = 0
        var lot = 0.0
        _ = try Journal.read(root.appendingPathComponent("runs/\(session)/journal").path) { frame, _ in
            if frame.header.messageType == .instrumentDefinition {
                lot = (try? frame.as(InstrumentDefinition.self).instrument())?.lotSize ?? 0
            }
            guard frame.header.messageType == .executionReport else { return }
            ledger.book(frame.as(ExecutionReport.self))
            largest = max(largest, abs(ledger.position))
        }
        XCTAssertGreaterThan(ledger.fills, 10, run.err)
        XCTAssertGreaterThanOrEqual(Double(largest) * lot, 0.02 - 1e-12, "the limit was reached")
        XCTAssertLessThanOrEqual(Double(largest) * lot, 0.03 + 1e-12, "and never passed")
        // A wrong exec line stops the run before anything starts, named with its line.
        try "strategy = fixed\nexec.taker-fee = 0\n".write(toFile: config, atomically: true, encoding: .utf8)
        let bad = try runScript(["--duration", "1", "--session", session + "bad", "--config", config]).finish(
            timeout: 60)
        defer { cleanUp(session + "bad") }
        XCTAssertEqual(bad.status, 100, bad.err)
        XCTAssertTrue(
            bad.err.hasPrefix("run.sh: exec: \(config):2: 'exec.taker-fee' is not an exec parameter (exec."), bad.err)
        try "strategy = fixed\nexec.queue-model = lifo\n".write(toFile: config, atomically: true, encoding: .utf8)
        let badValue = try runScript(["--duration", "1", "--session", session + "bad", "--config", config])
            .finish(timeout: 60)
        XCTAssertEqual(badValue.status, 100, badValue.err)
        XCTAssertTrue(
            badValue.err.contains("\(config):2: queue-model 'lifo': expected proportional, power or risk-averse"),
            badValue.err)
    }

    /// The cryptofeed captures, spot and futures, each its WebSocket file with its REST snapshots:
    /// fine lots and large sizes (a queue share of 10^17-lot levels trapped in 64 bits) run to
    /// the end, every instrument traded and reported.
    func testAReplayOfEachCryptofeedCaptureRunsToTheEndWithAReport() throws {
        let data = try sharedDataDirectory() + "/cryptofeed"
        for (index, venue) in ["BINANCE", "BINANCE_FUTURES"].enumerated() {
            let session = "runshcf\(index)\(getpid())"
            defer { cleanUp(session) }
            let run = try runScript([
                "--replay", "\(data)/\(venue).ws.1.0", "\(data)/\(venue).http.0.0", "--speed", "max",
                "--session", session
            ]).finish(timeout: 120)
            XCTAssertEqual(run.status, 0, run.err)
            XCTAssertFalse(run.err.contains("Fatal error"), run.err)
            XCTAssertEqual(segments(of: session), [])
            let symbols = run.err.split(separator: "\n").filter {
                $0.hasPrefix("exec: ") && $0.contains(" fills, volume ")
            }
            XCTAssertGreaterThanOrEqual(symbols.count, 4, run.err)
            let report = try String(
                contentsOf: root.appendingPathComponent("runs/\(session)/report.html"), encoding: .utf8)
            // Every instrument exec sent orders for has its section (one whose snapshot has prices
            // finer than its exchangeInfo tick never syncs, and sends none).
            let trading = symbols.filter { !$0.hasSuffix(" 0 order commands") }
            XCTAssertGreaterThanOrEqual(trading.count, 3, run.err)
            for line in trading {
                let symbol = line.dropFirst("exec: ".count).prefix { $0 != ":" }
                XCTAssertTrue(report.contains("<h2>\(symbol)</h2>"), "\(symbol) in the report")
            }
        }
    }

    /// docs/exec.md's lines that load a run's orders.csv and fills.csv into PostgreSQL, run as
    /// they are written against a real server (a throwaway cluster on a Unix socket); the tables then
    /// hold what exec said it traded.
    func testTheOrdersAndFillsLoadIntoPostgreSQLWithTheDocsLines() throws {
        guard
            let bin = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).sorted()
                .last
                .map({ "/usr/lib/postgresql/\($0)/bin" }), access(bin + "/initdb", X_OK) == 0,
            access("/usr/bin/psql", X_OK) == 0
        else {
            throw XCTSkip("no PostgreSQL server: apt-get install postgresql (.ci/run does) to load the CSV exports")
        }
        let session = "runshpg\(getpid())"
        defer { cleanUp(session) }
        let run = try runScript(["--duration", "3", "--session", session, "--speed", "4"]).finish(timeout: 60)
        XCTAssertEqual(run.status, 0, run.err)
        let exec = String(
            try XCTUnwrap(run.err.split(separator: "\n").last { $0.hasPrefix("exec: SYNUSDT: ") }, run.err))
        let fills = try XCTUnwrap(Int(exec.split(separator: " ")[2]), exec)
        let volume = try XCTUnwrap(
            exec.range(of: "volume ").map { Double(exec[$0.upperBound...].prefix { $0 != "," }) } ?? nil, exec)

        // initdb refuses root: as root, the cluster is nobody's.
        let cluster = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-pg-\(getpid())").path
        try FileManager.default.createDirectory(atPath: cluster, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: cluster) }
        var asOwner: [String] = []
        if getuid() == 0 {
            guard access("/usr/bin/setpriv", X_OK) == 0 else {
                throw XCTSkip("setpriv (util-linux) is needed to run PostgreSQL as nobody")
            }
            XCTAssertEqual(chown(cluster, 65534, 65534), 0)
            asOwner = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        }
        func owner(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
            try ChildProcess(asOwner.first ?? arguments[0], Array((asOwner + arguments).dropFirst())).finish(
                timeout: 60)
        }
        let initdb = try owner([bin + "/initdb", "-D", cluster + "/data", "-A", "trust", "-U", "tickpipe"])
        XCTAssertEqual(initdb.status, 0, initdb.err)
        // The server outlives pg_ctl: started without the test's pipes.
        let started = try startDaemon(
            asOwner + [
                bin + "/pg_ctl", "-D", cluster + "/data", "-o", "-k \(cluster) -c listen_addresses=''",
                "-l", cluster + "/log", "-w", "start"
            ], log: cluster + "/pg_ctl.log")
        XCTAssertEqual(started, 0, (try? String(contentsOfFile: cluster + "/pg_ctl.log", encoding: .utf8)) ?? "")
        defer { _ = try? owner([bin + "/pg_ctl", "-D", cluster + "/data", "-m", "immediate", "stop"]) }

        let page = try String(contentsOf: root.appendingPathComponent("docs/exec.md"), encoding: .utf8)
        let marker = try XCTUnwrap(
            page.range(of: "<!-- the CSV exports into PostgreSQL: RunScriptTests runs this block -->"))
        let block = page[marker.upperBound...].drop { $0 != "\n" }.dropFirst()
        XCTAssertTrue(block.hasPrefix("```sql\n"))
        let sql = try XCTUnwrap(block.dropFirst(7).components(separatedBy: "```").first)
            .replacingOccurrences(of: "'runs/SESSION/", with: "'\(root.path)/runs/\(session)/")
        func psql(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
            try ChildProcess(
                "/usr/bin/psql",
                ["-h", cluster, "-U", "tickpipe", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-At"] + arguments
            )
            .finish(timeout: 60)
        }
        // As pasted into psql: SQL and \copy lines together, which only a script file (-f) takes.
        let script = cluster + "/load.sql"
        try sql.write(toFile: script, atomically: true, encoding: .utf8)
        let load = try psql(["-f", script])
        XCTAssertEqual(load.status, 0, load.err)
        let loaded = try psql(["-c", "SELECT count(*), sum(size), count(DISTINCT type) FROM fills"])
        XCTAssertEqual(loaded.status, 0, loaded.err)
        let columns = loaded.out.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|")
        guard columns.count == 3 else { return XCTFail("fills: \(loaded.out)") }
        XCTAssertEqual(Int(columns[0]), fills, "a row per fill: \(exec)")
        XCTAssertEqual(
            Double(columns[1]) ?? -1, volume, accuracy: 1e-9, "the fills' sizes add up to exec's volume: \(exec)")
        XCTAssertEqual(columns[2], "1", "only execution reports")
        let orders = try psql([
            "-c", "SELECT count(*) FROM orders WHERE command_or_report IN ('new', 'replace') AND price > 0"
        ])
        XCTAssertGreaterThan(
            Int(orders.out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, fills / 2, orders.out + orders.err)
    }

    func testABadOptionStartsNothing() throws {
        let session = "runshbad\(getpid())"
        defer { cleanUp(session) }
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-run-\(getpid()).conf").path
        defer { unlink(config) }
        try "strategy = as\ngamma = -1\n".write(toFile: config, atomically: true, encoding: .utf8)
        let keyFile = config + ".key"
        defer { unlink(keyFile) }
        try "an HMAC secret\n".write(toFile: keyFile, atomically: true, encoding: .utf8)
        chmod(keyFile, 0o644)
        let noKeys = ["TICKPIPE_BINANCE_API_KEY": "", "TICKPIPE_BINANCE_KEY_FILE": ""]
        let readableKey = ["TICKPIPE_BINANCE_API_KEY": "someKey", "TICKPIPE_BINANCE_KEY_FILE": keyFile]
        for (arguments, environment, message) in [
            (["--trade"], [:], "run.sh: --trade goes with --live SYMBOLS"),
            (
                ["--live", "BTCUSDT", "--venue", "usdm", "--trade"], [:],
                "run.sh: --trade trades Binance spot; --venue usdm is paper traded only"
            ),
            (["--live", "BTCUSDT", "--testnet"], [:], "run.sh: --testnet goes with --trade"),
            (["--live", "BTCUSDT", "--inventory-target", "BTC:1"], [:], "run.sh: --inventory-target goes with --trade"),
            (["--live", "BTCUSDT", "--shadow-paper"], [:], "run.sh: --shadow-paper goes with --trade"),
            (["--live", "BTCUSDT", "--trade"], noKeys, "run.sh: exec: live trading needs TICKPIPE_BINANCE_API_KEY"),
            (
                ["--live", "BTCUSDT", "--trade"], readableKey,
                "run.sh: exec: TICKPIPE_BINANCE_KEY_FILE \(keyFile): mode 644 owned by uid \(getuid())"
            )
        ] {
            let run = try runScript(arguments + ["--session", session], environment: environment).finish(timeout: 30)
            XCTAssertEqual(run.status, 100, "\(arguments): \(run.err)")
            XCTAssertTrue(run.err.contains(message), "\(arguments): \(run.err)")
            XCTAssertFalse(run.err.contains("someKey"), run.err)
            XCTAssertFalse(run.err.contains(" pid "), "nothing started: \(run.err)")
        }
        for (arguments, message) in [
            (["--config", config], "run.sh: signal: \(config):2: gamma '-1': expected a number in 1e-09...1000000.0"),
            (["--config", config + ".absent"], "run.sh: cannot read config file \(config).absent"),
            (["--speed", "fast"], "run.sh: feed: --speed 'fast'"),
            (["--replay", "/nonexistent/btcusdt.gz"], "run.sh: cannot read recording /nonexistent/btcusdt.gz"),
            (["--live", "BTC/USDT"], "run.sh: feed: --live 'BTC/USDT': expected symbols like BTCUSDT,ETHUSDT"),
            (["--idle", "nap"], "run.sh: --idle 'nap': expected spin, yield or block"),
            (["--bogus"], "run.sh: unknown option --bogus"),
            // An option run.sh does not know, with a value, is the strategy's: signal checks it.
            (["--bogus", "1"], "run.sh: signal: unknown option --bogus"),
            (["--signal", "/nonexistent/my-signal"], "run.sh: --signal /nonexistent/my-signal is not an executable"),
            (["--symbols", "--duration", "3"], "run.sh: --symbols needs a value (got the option --duration)"),
            (["--duration"], "run.sh: --duration needs a value")
        ] {
            let run = try runScript(arguments + ["--session", session]).finish(timeout: 30)
            XCTAssertEqual(run.status, 100, "\(arguments): \(run.err)")
            XCTAssertTrue(run.err.contains(message), "\(arguments): \(run.err)")
            XCTAssertFalse(run.err.contains(" pid "), "nothing started: \(run.err)")
            XCTAssertEqual(segments(of: session), [])
        }
    }

    /// `./run.sh status|resume SESSION` run the tools run.sh would use (TICKPIPE_BIN), never a build:
    /// it works with no toolchain on the PATH, and says why when the tools are not there.
    func testStatusUsesTheGivenToolsAndNeverBuilds() throws {
        let session = "runshstatus\(getpid())"
        let noToolchain = ["PATH": "/usr/bin:/bin"]
        let status = try runScript(["status", session], environment: noToolchain).finish(timeout: 30)
        XCTAssertEqual(status.status, 0, status.err)
        XCTAssertTrue(status.out.contains("session \(session): no segments in /dev/shm (not running)"), status.out)
        let missing = try runScript(
            ["status", session], environment: noToolchain.merging(["TICKPIPE_BIN": "/nonexistent"]) { $1 }
        ).finish(timeout: 30)
        XCTAssertEqual(missing.status, 1, missing.err)
        XCTAssertTrue(
            missing.err.hasPrefix("run.sh: status needs /nonexistent/risk, which is not there"), missing.err)
        let usage = try runScript(["status"]).finish(timeout: 30)
        XCTAssertEqual(usage.status, 100)
        XCTAssertTrue(usage.err.hasPrefix("run.sh: status needs one SESSION"), usage.err)
        // `./run.sh resume` the same way: risk's, with its own answer.
        let resume = try runScript(["resume", session], environment: noToolchain).finish(timeout: 30)
        XCTAssertEqual(resume.status, 1, resume.err)
        XCTAssertTrue(resume.err.hasPrefix("risk: resume: "), resume.err)
    }

    /// Ctrl-C or SIGTERM: a clean stop, with the same ending as a finished run.
    func testSIGTERMStopsCleanlyWithTheReportAndTheCSVs() throws {
        let session = "runshterm\(getpid())"
        defer { cleanUp(session) }
        let run = try runScript(["--session", session])
        let deadline = Date().addingTimeInterval(30)
        while !run.errorsSoFar.contains("flattens; files in") && Date() < deadline { usleep(50_000) }
        sleep(3)
        kill(run.pid, SIGTERM)
        let result = run.finish(timeout: 60)
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertTrue(result.err.contains("run.sh: stopping"), result.err)
        XCTAssertTrue(result.err.contains("exec: SYNUSDT: "), "exec's last word: \(result.err)")
        XCTAssertEqual(segments(of: session), [], "no segment left behind")
        for file in ["report.html", "orders.csv", "fills.csv"] {
            let path = root.appendingPathComponent("runs/\(session)/\(file)").path
            XCTAssertGreaterThan(
                (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0, 100, file)
        }
    }

    /// With `--alert-webhook`, risk's halt for book's death reaches a loopback receiver.
    func testAnyKilledProcessHaltsTradingAndStopsTheSessionNamed() throws {
        let receiver = try WebhookReceiver()
        for name in ["feed", "book", "signal", "exec", "risk"] {
            let session = "runshkill\(name)\(getpid())"
            defer { cleanUp(session) }
            let alerts = name == "book" ? ["--alert-webhook", "http://127.0.0.1:\(receiver.port)/alerts"] : []
            let (run, pid) = try startedRun(session, stage: name, settleMs: 500, more: alerts)
            kill(pid, SIGKILL)
            let result = run.finish(timeout: 30)
            if name == "book" {
                let halts = receiver.posts(delivered: 1, within: 5).compactMap { $0["body"] as? [String: Any] }
                XCTAssertEqual(halts.first?["event"] as? String, "halt", "\(halts)")
                XCTAssertEqual(halts.first?["detail"] as? String, "watchdog: book pid \(pid) died", "\(halts)")
                XCTAssertEqual(halts.first?["session"] as? String, session)
            }
            XCTAssertEqual(result.status, 1, "\(name): \(result.err)")
            XCTAssertTrue(
                result.err.contains(
                    "run.sh: \(name) (pid \(pid)) exited with status 137 (killed by SIGKILL); stopping the session"),
                result.err)
            if name != "risk" {
                XCTAssertTrue(
                    result.err.contains("risk: HALT: watchdog: \(name) pid \(pid) died"), "\(name): \(result.err)")
            }
            XCTAssertEqual(segments(of: session), [], "\(name): no segment left behind")
            // Trading halted on the failure, and what was open was closed before the session
            // stopped, while exec was there to close it.
            if name != "exec" {
                XCTAssertTrue(
                    result.err.contains("run.sh: flat: exec closed every order and position before"),
                    "\(name): \(result.err)")
                XCTAssertEqual(try journaledPosition(session), 0, "\(name): flat in the journal")
            }
        }
    }

    /// A 60-second run of `session`, trading for `settleMs`, and the pid of its `stage`.
    func startedRun(_ session: String, stage: String, settleMs: UInt32, more: [String] = []) throws -> (
        ChildProcess, Int32
    ) {
        let run = try runScript(["--duration", "60", "--session", session] + more)
        let deadline = Date().addingTimeInterval(30)
        while !run.errorsSoFar.contains("flattens; files in") && Date() < deadline { usleep(50_000) }
        usleep(settleMs * 1_000)
        let pids = try String(contentsOf: root.appendingPathComponent("runs/\(session)/pids"), encoding: .utf8)
        let line = try XCTUnwrap(pids.split(separator: "\n").first { $0.hasPrefix(stage + " ") }, pids)
        return (run, try XCTUnwrap(Int32(line.dropFirst(stage.count + 1))))
    }

    /// Instruments at the extremes of real ones (docs/limits.md) traded through the whole
    /// pipeline for a full synthetic session: a lot of 10^-8 with orders of 10^9 units, and a
    /// price of 10^7 at a tick of 10^-8. No trap, and the report's position, realized PnL and
    /// fees equal a Python `Decimal` rebuild from fills.csv (Tests/ReportCheck/rebuild_pnl.py).
    func testInstrumentsAtTheExtremesTradeWithThePnLPythonRebuilds() throws {
        let instruments: [(symbol: String, flags: [String])] = [
            (
                "MEMEUSDT",
                [
                    "--start-price", "0.0001", "--median-size", "1000000000", "--quote-size", "300000000",
                    "--max-position", "1000000000", "--maker-fee-ppm", "200"
                ]
            ),
            (
                "BIGUSDT",
                ["--start-price", "10000000", "--median-size", "0.05", "--quote-size", "0.02", "--max-position", "0.1"]
            )
        ]
        var checker = URL(fileURLWithPath: #filePath)
        for _ in 0..<2 { checker.deleteLastPathComponent() }
        checker.appendPathComponent("ReportCheck/rebuild_pnl.py")
        for (symbol, flags) in instruments {
            let session = "runshextreme\(symbol.lowercased())\(getpid())"
            defer { cleanUp(session) }
            let run = try runScript(
                [
                    "--symbols", symbol, "--instrument", "\(symbol):0.00000001:0.00000001", "--strategy", "fixed",
                    "--duration", "6", "--speed", "4", "--session", session
                ] + flags
            ).finish(timeout: 90)
            XCTAssertEqual(run.status, 0, "\(symbol): \(run.err)")
            let directory = root.appendingPathComponent("runs/\(session)")
            let report = try String(contentsOf: directory.appendingPathComponent("report.html"), encoding: .utf8)
            func metric(_ label: String) -> Decimal? {
                guard let start = report.range(of: "<tr><td>\(label)</td><td class=\"v\">") else { return nil }
                return Decimal(string: String(report[start.upperBound...].prefix { $0 != "<" }))
            }
            let rebuilt = try ChildProcess(
                "/usr/bin/python3",
                [
                    checker.path, directory.appendingPathComponent("fills.csv").path,
                    "0.00000001", "0.00000001"
                ]
            ).finish(timeout: 60)
            XCTAssertEqual(rebuilt.status, 0, rebuilt.err)
            let figures = Dictionary(
                uniqueKeysWithValues: rebuilt.out.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap {
                    pair in
                    let parts = pair.split(separator: "=")
                    return parts.count == 2 ? (String(parts[0]), Decimal(string: String(parts[1]))) : nil
                })
            XCTAssertGreaterThan(metric("fills") ?? 0, 20, "\(symbol) trades: \(run.err)")
            XCTAssertEqual(metric("final position"), figures["position"] ?? nil, "\(symbol): \(rebuilt.out)")
            XCTAssertEqual(metric("realized PnL"), figures["realized"] ?? nil, "\(symbol): \(rebuilt.out)")
            XCTAssertEqual(metric("fees"), figures["fees"] ?? nil, "\(symbol): \(rebuilt.out)")
            if symbol == "MEMEUSDT" { XCTAssertGreaterThan(metric("fees") ?? 0, 0, "the maker fee is booked") }
        }
    }

    /// The position rebuilt from a run's journal, in lots.
    func journaledPosition(_ session: String) throws -> Int64 {
        var ledger = PositionLedger()
        _ = try Journal.read(root.appendingPathComponent("runs/\(session)/journal").path) { frame, _ in
            if frame.header.messageType == .executionReport { ledger.book(frame.as(ExecutionReport.self)) }
        }
        return ledger.position
    }

    /// A stage stopped with SIGSTOP used to hang run.sh (and, continued, it exited 0): now the
    /// watchdog's halt fails the run, named by its first cause, flattened, the stopped stage killed.
    func testAStoppedStageFailsTheRunNamedAndFlattened() throws {
        for name in ["feed", "signal"] {
            let session = "runshstop\(name)\(getpid())"
            defer { cleanUp(session) }
            let (run, pid) = try startedRun(session, stage: name, settleMs: 1_500)
            kill(pid, SIGSTOP)
            let result = run.finish(timeout: 30)
            XCTAssertEqual(result.status, 1, "\(name): \(result.err)")
            XCTAssertTrue(result.err.contains("risk: HALT: watchdog: \(name) pid \(pid) silent for "), result.err)
            XCTAssertTrue(
                result.err.contains(
                    "run.sh: \(name) (pid \(pid)) is stopped (SIGSTOP, or a debugger): the session cannot go on"),
                result.err)
            XCTAssertTrue(result.err.contains("run.sh: flat: exec closed every order and position before"), result.err)
            XCTAssertEqual(try journaledPosition(session), 0)
            XCTAssertNotEqual(kill(pid, 0), 0, "\(name): the stopped process is gone")
            XCTAssertEqual(segments(of: session), [])
        }
    }

    /// Two run.sh with one session name at once: one runs, the other is refused at once and
    /// touches nothing of the first's (each used to remove the other's segments).
    func testTheSameSessionStartedTwiceAtOnceRunsOnce() throws {
        let session = "runshtwice\(getpid())"
        defer { cleanUp(session) }
        let first = try runScript(["--duration", "3", "--session", session, "--speed", "4"])
        let second = try runScript(["--duration", "3", "--session", session, "--speed", "4"])
        let results = [first.finish(timeout: 60), second.finish(timeout: 60)]
        let refused = results.filter { $0.status == 100 }
        XCTAssertEqual(refused.count, 1, results.map(\.err).joined(separator: "\n---\n"))
        XCTAssertTrue(
            refused.first?.err.contains("run.sh: session \(session) is being run by another run.sh") ?? false,
            refused.first?.err ?? "")
        XCTAssertEqual(results.filter { $0.status == 0 }.count, 1, results.map(\.err).joined(separator: "\n---\n"))
        XCTAssertEqual(segments(of: session), [])
    }
}
