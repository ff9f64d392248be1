import IPC

/// What a fill costs (or earns), in units of tick × lot (hftbacktest's `FeeModel`).
///
/// Implementations are concrete types the venue is specialised for: `NotionalFees` (the same
/// maker and taker rates for every instrument), `FeeSchedule` (rates per instrument, from a file).
protocol FeeModel {
    /// The model as it applies to `instrument`'s fills (a schedule: that instrument's line).
    func applying(to instrument: Instrument) -> Self
    /// The fee for a fill of `size` lots at `price` ticks, as a maker or a taker; negative is a rebate.
    func fee(price: Int64, size: Int64, maker: Bool) -> Int64
    /// The largest rate any fill pays or earns, in millionths of the notional: the order
    /// manager's bound on what a report's 64-bit fee must hold.
    var maxRateMillionths: Int64 { get }
}
