import IPC

/// One bot's books on one instrument at the end of a run, as exec's summary line gives them: exactly, in
/// ticks × lots and lots (`StrategyHarness` returns them).
public struct ExecResult: Equatable, Sendable {
    public let instrument: Instrument
    /// Whose account: the bot's index (0 with one bot).
    public let bot: Int
    public let fills: UInt64
    /// Lots, signed (long > 0).
    public let position: Int64
    /// Ticks × lots, as exec's ledger books them.
    public let realizedPnl: Int128
    public let fees: Int128
    public let volume: Int128
    /// exec's line for it: `exec: BTCUSDT: 95 fills, volume …`.
    public let summary: String
}
