import IPC
import SignalCore

/// A market maker that steps back from the side it was just filled on: a fill often comes
/// before the price moves through it (adverse selection).
///
/// ```text
/// r    = mid − skewTicks · position / quote size      (the reservation price, ticks)
/// bid  = ⌊r − spread/2⌋ − backOff while the bid cools down     ask likewise, ⌈r + spread/2⌉ + backOff
/// ```
///
/// A fill of our bid starts its cool-down: `--cool-down-ms` of market time in which the bid
/// stands `--back-off-ticks` further out; a timer puts it back when it ends. The ask likewise.
public struct FillCooldown: Strategy {
    public struct Parameters: Equatable {
        public var spreadTicks: Int64 = 4
        public var skewTicks = 1.0
        public var backOffTicks: Int64 = 5
        public var coolDownMs: Int64 = 500

        public init() {}
    }

    public static let name = "cooldown"
    public static let summary = """
        quotes --spread-ticks around the mid, skewed by --skew-ticks per quote size of position;
        after a fill, that side stands --back-off-ticks further out for --cool-down-ms
        """
    public static var parameters: StrategyParameters<Parameters> {
        StrategyParameters(
            Parameters(),
            [
                .integer("spread-ticks", \.spreadTicks, in: 1...1_000_000),
                .decimal("skew-ticks", \.skewTicks, in: 0...1_000_000, value: "T"),
                .integer("back-off-ticks", \.backOffTicks, in: 0...1_000_000),
                .integer("cool-down-ms", \.coolDownMs, in: 1...3_600_000, value: "MS")
            ])
    }

    /// Until when (market time, ns) each instrument's bid and ask cool down.
    struct CoolDown {
        var bidUntilNs: Int64 = 0
        var askUntilNs: Int64 = 0
    }

    let parameters: Parameters
    var coolDowns = InstrumentTable<CoolDown>()

    public init(_ parameters: Parameters) { self.parameters = parameters }

    public mutating func onInstrument(_ instrument: Instrument, context: inout StrategyContext) {
        coolDowns.set(instrument.id, CoolDown())
    }

    public mutating func onTop(_ top: BookTop, context: inout StrategyContext) {
        requote(top.header.instrument, context: &context)
    }

    /// A fill of ours: that side cools down, and the quote moves out now.
    public mutating func onOrderUpdate(_ report: ExecutionReport, context: inout StrategyContext) {
        let id = report.header.instrument
        guard report.report == .fill || report.report == .partialFill, coolDowns.contains(id) else { return }
        let until = context.nowNs + parameters.coolDownMs * 1_000_000
        if report.side == .buy {
            coolDowns[id].bidUntilNs = until
        } else {
            coolDowns[id].askUntilNs = until
        }
        context.setTimer(0, atNs: until)
        requote(id, context: &context)
    }

    /// A cool-down ended: every instrument quotes again as it should now.
    public mutating func onTimer(_ timer: Int, context: inout StrategyContext) {
        for id in context.instrumentIds { requote(id, context: &context) }
    }

    mutating func requote(_ id: UInt32, context: inout StrategyContext) {
        guard let top = context.top(id) else { return }
        let coolDown = coolDowns[id]
        context.quote(
            id,
            FillCooldown.quote(
                top, parameters: parameters, positionLots: context.position(id), sizeLots: context.quoteSizeLots(id),
                maxPositionLots: context.maxPositionLots(id), bidCooling: context.nowNs < coolDown.bidUntilNs,
                askCooling: context.nowNs < coolDown.askUntilNs))
    }

    /// The quote for `top`, worked out by hand in the package's tests.
    public static func quote(
        _ top: BookTop, parameters: Parameters, positionLots: Int64, sizeLots: Int64, maxPositionLots: Int64,
        bidCooling: Bool, askCooling: Bool
    ) -> Quote {
        let reservation = top.mid - parameters.skewTicks * Double(positionLots) / Double(sizeLots)
        let half = Double(parameters.spreadTicks) / 2
        let quote = Quote(
            bidPrice: Int64((reservation - half).rounded(.down)) - (bidCooling ? parameters.backOffTicks : 0),
            bidSize: sizeLots,
            askPrice: Int64((reservation + half).rounded(.up)) + (askCooling ? parameters.backOffTicks : 0),
            askSize: sizeLots)
        return InventoryLimit(maxPositionLots: maxPositionLots).apply(quote.resting(on: top), position: positionLots)
    }
}
