import Glibc
import IPC

/// `exec journal FILE [--orders|--fills]` (the journal as CSV on stdout, its damage on stderr)
/// and `exec report FILE [--venue-journal FILE] [--shadow FILE] [--title TEXT] [--bot-name K=NAME]...`
/// (the run's report, HTML with SVG charts, from the journal; a live run's commissions by asset from its
/// venue journal; its orders beside its shadow paper venue's); `exec compare [--html FILE] [--title
/// TEXT] RUN JOURNAL...` (runs side by side: CSV on stdout, an HTML table in FILE).
public enum JournalCommand {
    /// Runs the command `arguments` name and exits; returns if they name none.
    public static func runIfNamed(_ arguments: [String]) {
        if arguments.first == "journal" {
            let rows =
                arguments.count == 3
                ? JournalCSV.Rows.allCases.first { "--\($0.rawValue)" == arguments[2] && $0 != .all } : .all
            guard arguments.count == 2 || arguments.count == 3, let rows else {
                ToolStart.fail(
                    "exec: journal needs one FILE, then --orders or --fills or nothing\n\(ExecOptions.usage)",
                    ExitCode.usage)
            }
            printCSV(arguments[1], rows: rows)
        }
        if arguments.first == "compare" { compare(Array(arguments.dropFirst())) }
        if arguments.first == "report" {
            var options: [String: String] = [:]
            var botNames: [Int: String] = [:]
            var index = 2
            while index + 1 < arguments.count {
                let (flag, value) = (arguments[index], arguments[index + 1])
                if flag == "--bot-name", let equals = value.firstIndex(of: "="),
                    let bot = Int(value[..<equals]), (0..<FrameLayout.maxBots).contains(bot), botNames[bot] == nil,
                    value.index(after: equals) < value.endIndex
                {
                    botNames[bot] = String(value[value.index(after: equals)...])
                } else if ["--venue-journal", "--shadow", "--title"].contains(flag), options[flag] == nil {
                    options[flag] = value
                } else {
                    break
                }
                index += 2
            }
            guard arguments.count >= 2, index == arguments.count else {
                ToolStart.fail(
                    "exec: report needs one FILE, then --venue-journal FILE, --shadow FILE and --title TEXT, each at "
                        + "most once, and --bot-name K=NAME once per bot (K 0 ... \(FrameLayout.maxBots - 1))\n"
                        + ExecOptions.usage,
                    ExitCode.usage)
            }
            printReport(
                arguments[1], venueJournal: options["--venue-journal"], shadow: options["--shadow"],
                title: options["--title"] ?? "tickpipe run: \(arguments[1])", botNames: botNames)
        }
    }

    /// `compare`'s arguments: `--html FILE` and `--title TEXT` first, then pairs of a run's name
    /// and its journal.
    static func compare(_ arguments: [String]) -> Never {
        var options: [String: String] = [:]
        var rest = arguments[...]
        while let flag = rest.first, ["--html", "--title"].contains(flag), rest.count >= 2, options[flag] == nil {
            options[flag] = rest.dropFirst().first
            rest = rest.dropFirst(2)
        }
        guard !rest.isEmpty, rest.count % 2 == 0, !rest.contains(where: { $0.hasPrefix("--") }) else {
            ToolStart.fail(
                "exec: compare needs pairs of a run's name and its journal, after --html FILE and --title TEXT (each "
                    + "at most once)\n" + ExecOptions.usage,
                ExitCode.usage)
        }
        var comparison = JournalComparison()
        var scans: [(Journal.Scan, String)] = []
        var pairs = rest
        while let run = pairs.popFirst(), let path = pairs.popFirst() {
            do { scans.append((try comparison.add(run: run, journal: path), path)) } catch {
                ToolStart.fail("exec: \(error)", error.isBadInput ? ExitCode.failure : ExitCode.system)
            }
        }
        if let html = options["--html"] {
            let page = comparison.html(title: options["--title"] ?? "tickpipe: \(rest.count / 2) runs compared")
            do {
                let file = try FileDescriptor.open(html, .writeOnly, options: [.create, .truncate], permissions: 0o644)
                defer { try? file.close() }
                var bytes = Array(page.utf8)
                try file.writeAll(&bytes, count: bytes.count)
            } catch {
                ToolStart.fail("exec: --html: \(error)", ExitCode.system)
            }
        }
        print(comparison.csv, terminator: "")
        exitReportingDamage(scans)
    }

    static func printCSV(_ path: String, rows: JournalCSV.Rows) -> Never {
        // The header goes with the first record read: a journal that cannot be opened prints none.
        var headerPrinted = false
        let scan: Journal.Scan
        do {
            // A first pass for the bots: a bot column only in a journal of several.
            var bots = 1
            _ = try Journal.read(path) { frame, _ in bots = max(bots, Int(frame.header.bot) + 1) }
            var csv = JournalCSV(bots: bots)
            scan = try Journal.read(path) { frame, record in
                if !headerPrinted {
                    print(JournalCSV.headerFor(bots: bots))
                    headerPrinted = true
                }
                guard let line = csv.line(frame, record: record), rows.includes(frame) else { return }
                print(line)
            }
        } catch {
            ToolStart.fail("exec: \(error)", error.isBadInput ? ExitCode.failure : ExitCode.system)
        }
        if !headerPrinted { print(JournalCSV.header) }
        exitReportingDamage([(scan, path)])
    }

    static func printReport(
        _ path: String, venueJournal: String?, shadow: String?, title: String, botNames: [Int: String] = [:]
    ) -> Never {
        var report = JournalReport()
        report.botNames = botNames
        if let venueJournal {
            do { report.venueTrades = try VenueJournalTrades(path: venueJournal) } catch {
                ToolStart.fail(
                    "exec: --venue-journal: \(error)", error.isMissingFile ? ExitCode.failure : ExitCode.system)
            }
            for problem in report.venueTrades!.problems { StandardError.line("exec: \(venueJournal): \(problem)") }
            let unnamed = report.venueTrades!.problemCount - report.venueTrades!.problems.count
            if unnamed > 0 { StandardError.line("exec: \(venueJournal): \(unnamed) more lines unreadable") }
        }
        var comparison = shadow.map { _ in ShadowComparison() }
        var scans: [(Journal.Scan, String)] = []
        do throws(Journal.JournalError) {
            let scan = try Journal.read(path) { frame, record in
                report.add(frame, record: record)
                comparison?.add(frame, live: true)
            }
            scans.append((scan, path))
            if let shadow {
                scans.append((try Journal.read(shadow) { frame, _ in comparison?.add(frame, live: false) }, shadow))
            }
        } catch {
            ToolStart.fail("exec: \(error)", error.isBadInput ? ExitCode.failure : ExitCode.system)
        }
        report.shadow = comparison
        print(report.html(title: title), terminator: "")
        if let comparison = report.shadow {
            for id in comparison.instruments.keys.sorted() {
                if let line = comparison.summary(id) { StandardError.line("exec: shadow paper venue: \(line)") }
            }
        }
        exitReportingDamage(scans)
    }

    /// The journals' damage on stderr, one line each; exit 1 if there was any.
    static func exitReportingDamage(_ scans: [(Journal.Scan, String)]) -> Never {
        var damaged = false
        for (scan, path) in scans {
            for damage in scan.damaged { StandardError.line("exec: journal \(path): \(damage)") }
            if scan.tornTailBytes > 0 {
                StandardError.line(
                    "exec: journal \(path): torn tail: the last \(scan.tornTailBytes) bytes are a partial record (a "
                        + "crash mid-write)"
                )
            }
            damaged = damaged || !scan.damaged.isEmpty || scan.tornTailBytes > 0
        }
        exit(damaged ? ExitCode.failure : ExitCode.success)
    }
}
