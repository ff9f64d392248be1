import IPC

/// signal's state for one instrument: its strategy, position, last top and last quote sent.
/// The strategy of `options.strategy`'s kind is set (a pair's legs have none: the quoting is
/// the processor's `pairs`). One optional per kind rather than an enum with payloads, so a
/// top or a trade updates the strategy in place: an enum's payload is copied out and back.
/// A struct at module level, not nested in the generic `SignalProcessor`: nested, its layout would
/// depend on the processor's output type, and every access would go through runtime value witnesses.
struct QuotedInstrument {
    let instrument: Instrument
    var avellanedaStoikov: AvellanedaStoikov?
    var fixedSpread: FixedSpread?
    var volatilityBand: VolatilityBand?
    var momentum: Momentum?
    var positionLots: Int64 = 0
    var lastTop: BookTop?
    var lastQuote: Quote?
    var lastSentNs: Int64 = 0
}
