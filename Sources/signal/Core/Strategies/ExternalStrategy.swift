import IPC

/// A strategy in another process, in any language: signal starts `--external 'COMMAND'` and
/// speaks JSON lines with it (docs/external.md), each event out answered by one line of
/// commands in. The events: instrument, book (`--book-levels` a side), trade, order, position,
/// timer; the commands: quote (a level a side or a ladder), cancel, order, timer, cancel_timer.
public struct ExternalStrategy: Strategy {
    public struct Parameters: Equatable {
        public var command = ""
        public var bookLevels: Int64 = 1
        public var timeoutMs: Int64 = 5_000
    }

    public static let name = "external"
    public static let summary = """
        a strategy in any language: signal starts --external 'COMMAND' and speaks JSON lines
        with it, an event out, a line of commands back (docs/external.md)
        """
    public static var parameters: StrategyParameters<Parameters> {
        StrategyParameters(
            Parameters(),
            [
                .text("external", \.command, value: "'COMMAND'"),
                .integer("book-levels", \.bookLevels, in: 1...Int64(QuoteLadder.maxLevels)),
                .integer("external-timeout-ms", \.timeoutMs, in: 1...600_000, value: "MS")
            ])
    }

    public let bookLevels: Int
    let process: ExternalStrategyProcess

    public init(_ parameters: Parameters) throws(InvalidArgument) {
        guard !parameters.command.isEmpty else {
            throw InvalidArgument("--strategy external needs --external 'COMMAND': the strategy to start")
        }
        // One level is the top: no book kept for it.
        bookLevels = parameters.bookLevels > 1 ? Int(parameters.bookLevels) : 0
        process = ExternalStrategyProcess(command: parameters.command, timeoutMs: Int32(parameters.timeoutMs))
    }

    public mutating func onInstrument(_ instrument: Instrument, context: inout StrategyContext) {
        process.events.instrument(
            instrument, quoteSizeLots: context.quoteSizeLots(instrument.id),
            maxPositionLots: context.maxPositionLots(instrument.id))
        process.exchange(about: instrument.id, context: &context)
    }

    public mutating func onTop(_ top: BookTop, context: inout StrategyContext) {
        let id = top.header.instrument
        process.events.book(top, view: context.book(id), instrument: context.instrument(id), timeNs: context.nowNs)
        process.exchange(about: id, context: &context)
    }

    public mutating func onTrade(_ trade: Trade, context: inout StrategyContext) {
        let id = trade.header.instrument
        process.events.trade(trade, instrument: context.instrument(id), timeNs: context.nowNs)
        process.exchange(about: id, context: &context)
    }

    public mutating func onOrderUpdate(_ report: ExecutionReport, context: inout StrategyContext) {
        let id = report.header.instrument
        process.events.order(report, instrument: context.instrument(id), timeNs: context.nowNs)
        process.exchange(about: id, context: &context)
    }

    public mutating func onPosition(_ report: PositionReport, context: inout StrategyContext) {
        process.events.position(report, instrument: context.instrument(report.instrument), timeNs: context.nowNs)
        process.exchange(about: report.instrument, context: &context)
    }

    public mutating func onTimer(_ timer: Int, context: inout StrategyContext) {
        process.events.timer(timer, timeNs: context.nowNs)
        process.exchange(about: nil, context: &context)
    }

    public mutating func onStop(context: inout StrategyContext) { process.finish(&context) }
}
