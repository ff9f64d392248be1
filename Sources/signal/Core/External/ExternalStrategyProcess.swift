import Glibc
import IPC
import Network

/// An external strategy's process and the conversation with it: started at the first event,
/// then, for each event, the event's line written and the reply line read (lock-step: the
/// strategy answers each event before the next is sent, so a replay gives it the same events in
/// the same order and writes the same journal, whatever the machine's speed).
///
/// ```text
///   signal ── {"type":"book",…}\n ──────────────►  COMMAND (stdin)
///          ◄── [{"type":"quote",…}]\n ───────────  (stdout; its stderr is signal's)
/// ```
///
/// A malformed reply is one error naming its line, and the instrument's quotes are cancelled;
/// the strategy goes on. A strategy that ends, closes its output, sends a line longer than the
/// buffer or does not answer within the timeout has failed: every instrument's quotes are
/// cancelled, it is given no more events, and signal goes on without it.
final class ExternalStrategyProcess {
    enum State { case notStarted, running, failed, finished }

    let command: String
    let timeoutMs: Int32
    private(set) var state = State.notStarted
    var events = ExternalEventWriter()
    private var child: CommandProcess?
    /// Replies read but not yet taken: `buffer[taken..<filled]`.
    private let buffer: UnsafeMutablePointer<UInt8>
    static let bufferCapacity = 65_536
    private var taken = 0
    private var filled = 0
    /// Reply lines read, and those that were malformed.
    private(set) var linesRead = 0
    private(set) var malformedLines = 0
    /// Malformed lines said one by one; after these, counted and said at the end.
    static let malformedLinesSaid = 10

    init(command: String, timeoutMs: Int32) {
        self.command = command
        self.timeoutMs = timeoutMs
        buffer = .allocate(capacity: ExternalStrategyProcess.bufferCapacity)
    }

    deinit {
        if let child { _ = child.finish(graceMs: 0) }
        buffer.deallocate()
    }

    /// Sends the event written into `events` and applies the reply to `context`; `instrument` is
    /// the one the event is about (nil: a timer, about every instrument).
    func exchange(about instrument: UInt32?, context: inout StrategyContext) {
        if state == .notStarted { start(&context) }
        guard state == .running, let child else { return }
        let event = events.line.written()
        do {
            try child.input.writeAll(event.baseAddress!, count: event.count)
        } catch {
            return fail("could not be given an event (\(error.errnoDescription))", &context)
        }
        let line: UnsafeBufferPointer<UInt8>
        switch readLine() {
        case .line(let read): line = read
        case .failed(let problem): return fail(problem, &context)
        }
        linesRead += 1
        do { try ExternalCommandReader.apply(line, to: &context) } catch {
            malformed(line, error, instrument: instrument, &context)
        }
    }

    /// Ends the strategy: its input closed (its cue to end), a moment to do so, its ending said
    /// unless it exited with 0, and the malformed lines counted.
    func finish(_ context: inout StrategyContext) {
        if state == .running, let child {
            let ending = child.finish(graceMs: 2_000)
            if ending != .exited(0) { context.report("external strategy '\(command)' \(ending)") }
        }
        child = nil
        state = .finished
        if malformedLines > 0 {
            context.report("external strategy '\(command)': \(malformedLines) of \(linesRead) reply lines malformed")
        }
    }

    private func start(_ context: inout StrategyContext) {
        do {
            child = try CommandProcess.start(command, subject: "external strategy '\(command)'")
            state = .running
        } catch {
            state = .failed
            context.report("external strategy '\(command)' could not be started: \(error)")
        }
    }

    private enum Read {
        case line(UnsafeBufferPointer<UInt8>)
        case failed(String)
    }

    /// The next reply line, without its newline, read in place (valid until the next read).
    private func readLine() -> Read {
        guard let child else { return .failed("is not running") }
        if taken > 0 {
            // Keep what follows the last line at the front (a strategy writing ahead is wrong,
            // and shows as a malformed reply to the next event).
            buffer.update(from: buffer + taken, count: filled - taken) // may overlap: a memmove
            filled -= taken
            taken = 0
        }
        var searched = 0
        while true {
            if let newline = memchr(buffer + searched, 0x0A, filled - searched) {
                let end = buffer.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                taken = end + 1
                return .line(UnsafeBufferPointer(start: buffer, count: end))
            }
            searched = filled
            guard filled < ExternalStrategyProcess.bufferCapacity else {
                return .failed("wrote a line longer than \(ExternalStrategyProcess.bufferCapacity) bytes")
            }
            do {
                guard try child.output.await(Int32(POLLIN), timeoutMs: timeoutMs) else {
                    return .failed("did not answer within \(timeoutMs) ms (--external-timeout-ms)")
                }
                let got = try child.output.read(
                    into: buffer + filled, count: ExternalStrategyProcess.bufferCapacity - filled)
                guard got > 0 else {
                    let ending = child.finish(graceMs: 1_000)
                    self.child = nil
                    return .failed("closed its output (it \(ending))")
                }
                filled += got
            } catch {
                return .failed("could not be read (\(error.errnoDescription))")
            }
        }
    }

    private func malformed(
        _ line: UnsafeBufferPointer<UInt8>, _ failure: JSONScanner.Failure, instrument: UInt32?,
        _ context: inout StrategyContext
    ) {
        malformedLines += 1
        let ids = instrument.map { [$0] } ?? context.instrumentIds
        for id in ids { context.quote(id, .none) }
        guard malformedLines <= ExternalStrategyProcess.malformedLinesSaid else { return }
        let shown = String(decoding: UnsafeBufferPointer(rebasing: line.prefix(200)), as: UTF8.self)
        let cancelled = instrument.map { "\(context.instrument($0).symbol)'s quotes" } ?? "every instrument's quotes"
        context.report(
            "external strategy's line \(linesRead): \(failure.message) at byte \(failure.offset + 1) of "
                + "\(shown)\(line.count > 200 ? "…" : ""); \(cancelled) cancelled"
                + (malformedLines == ExternalStrategyProcess.malformedLinesSaid ? " (further ones only counted)" : ""))
    }

    /// A failed strategy: said once, every instrument's quotes cancelled, no more events.
    private func fail(_ problem: String, _ context: inout StrategyContext) {
        if let child { _ = child.finish(graceMs: 0) }
        child = nil
        state = .failed
        for id in context.instrumentIds { context.quote(id, .none) }
        context.report(
            "external strategy '\(command)' \(problem); every instrument's quotes cancelled, no more events sent to it")
    }
}
