// exec: orders from quote intents on the paper venue, journaled. See ExecOptions.usage.
//
//   exec [options]        the order manager and the paper venue over signal's output
//   exec journal FILE [--orders|--fills]   a journal as CSV (stdout), its damage (stderr)
//   exec report FILE      the run's report from its journal: HTML with SVG charts (stdout)
import Glibc
import IPC

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "journal" {
    let rows = arguments.count == 3 ? JournalCSV.Rows.allCases.first { "--\($0.rawValue)" == arguments[2] && $0 != .all } : .all
    guard arguments.count == 2 || arguments.count == 3, let rows else {
        ToolStart.fail("exec: journal needs one FILE, then --orders or --fills or nothing\n\(ExecOptions.usage)", ExitCode.usage)
    }
    printJournal(arguments[1], rows: rows)
}
if arguments.first == "report" {
    guard arguments.count == 2 else { ToolStart.fail("exec: report needs one FILE\n\(ExecOptions.usage)", ExitCode.usage) }
    printReport(arguments[1])
}

let options = ToolStart.options(tool: "exec", usage: ExecOptions.usage) { (arguments) throws(InvalidArgument) in
    try ExecOptions(arguments)
}
let source: FrameSource
var market: FrameSource?
do {
    source = try FrameSource(options.input, tool: "exec", idle: options.idle)
    if let endpoint = options.market { market = try FrameSource(endpoint, tool: "exec", idle: options.idle) }
} catch {
    ToolStart.fail("exec: \(error)", ExitCode.system)
}
var sink: FrameSink?
if let output = options.output {
    do { sink = try FrameSink(output) } catch { ToolStart.fail("exec: \(error)", ExitCode.system) }
}
var journal: Journal?
if let path = options.journalPath {
    do {
        let (opened, opening) = try Journal.open(path, policy: options.sync, appending: options.appendJournal)
        for damage in opening.damaged { StandardError.line("exec: journal \(path): \(damage) (kept in place, skipped)") }
        if opening.tornTailBytes > 0 {
            StandardError.line("exec: journal \(path): a torn last record (\(opening.tornTailBytes) bytes) was cut off")
        }
        if opening.unusedTailBytes > 0 {
            StandardError.line("exec: journal \(path): \(opening.unusedTailBytes) bytes allocated after the last record and never written (exec stopped without closing it) were cut off")
        }
        journal = opened
    } catch {
        ToolStart.fail("exec: \(error)", error.isBadInput ? ExitCode.failure : ExitCode.system)
    }
}
var membership: SessionMembership?
if let session = options.session {
    do { membership = try SessionMembership(session, role: .exec, detail: "paper venue") } catch { ToolStart.fail("exec: \(error)", ExitCode.system) }
}
let result = ExecStage(options: options, source: source, market: market, sink: sink, journal: journal, membership: membership).run()
if let message = result.message { StandardError.line(message) }
exit(result.code)

/// `exec journal FILE`: the journal as CSV, its damage on stderr.
func printJournal(_ path: String, rows: JournalCSV.Rows) -> Never {
    print(JournalCSV.header)
    var csv = JournalCSV()
    let scan: Journal.Scan
    do {
        scan = try Journal.read(path) { frame, record in
            guard let line = csv.line(frame, record: record), rows.includes(frame) else { return }
            print(line)
        }
    } catch {
        ToolStart.fail("exec: \(error)", error.isBadInput ? ExitCode.failure : ExitCode.system)
    }
    exitReportingDamage(scan, path)
}

func printReport(_ path: String) -> Never {
    var report = JournalReport()
    let scan: Journal.Scan
    do {
        scan = try Journal.read(path) { frame, record in report.add(frame, record: record) }
    } catch {
        ToolStart.fail("exec: \(error)", error.isBadInput ? ExitCode.failure : ExitCode.system)
    }
    print(report.html(title: "tickpipe run: \(path)"), terminator: "")
    exitReportingDamage(scan, path)
}

/// A journal's damage on stderr, one line each; exit 1 if there was any.
func exitReportingDamage(_ scan: Journal.Scan, _ path: String) -> Never {
    for damage in scan.damaged { StandardError.line("exec: journal \(path): \(damage)") }
    if scan.tornTailBytes > 0 {
        StandardError.line("exec: journal \(path): torn tail: the last \(scan.tornTailBytes) bytes are a partial record (a crash mid-write)")
    }
    exit(scan.damaged.isEmpty && scan.tornTailBytes == 0 ? ExitCode.success : ExitCode.failure)
}
