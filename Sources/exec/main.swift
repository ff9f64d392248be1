// exec: orders. Today: the journal and its tools; the order manager and the paper venue follow.
//
//   exec journal FILE     prints the journal as CSV (stdout) and its damage, if any (stderr)
//
// Exit codes: 0 done, 1 the journal is damaged (the intact records are printed), 100 usage,
// 111 the file could not be read.
import Glibc
import IPC

let usage = """
    usage: exec journal FILE
      journal   the journal's intact records as CSV; damage (a torn tail, a record whose checksum
                does not match) is reported on stderr, one line each
    exit codes: 0 done, 1 the journal is damaged, 100 usage, 111 unreadable
    """

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.first == "journal" else {
    if arguments.first == "--help" || arguments.first == "-h" {
        print(usage)
        exit(ExitCode.success)
    }
    ToolStart.fail("exec: only 'exec journal FILE' is built yet (the order manager and paper venue are the next issue)\n\(usage)", ExitCode.usage)
}
guard arguments.count == 2 else { ToolStart.fail("exec: journal needs one FILE\n\(usage)", ExitCode.usage) }
print(JournalCSV.header)
var instruments: [UInt32: Instrument] = [:]
let scan: Journal.Scan
do {
    scan = try Journal.read(arguments[1]) { frame, record in
        if frame.header.messageType == .instrumentDefinition, let instrument = try? frame.as(InstrumentDefinition.self).instrument() {
            instruments[instrument.id] = instrument
        }
        if let line = JournalCSV.line(frame, record: record, instruments: instruments) { print(line) }
    }
} catch {
    ToolStart.fail("exec: \(error)", ExitCode.system)
}
for damage in scan.damaged { StandardError.line("exec: journal \(arguments[1]): \(damage)") }
if scan.tornTailBytes > 0 {
    StandardError.line("exec: journal \(arguments[1]): torn tail: the last \(scan.tornTailBytes) bytes are a partial record (a crash mid-write)")
}
exit(scan.damaged.isEmpty && scan.tornTailBytes == 0 ? ExitCode.success : ExitCode.failure)
