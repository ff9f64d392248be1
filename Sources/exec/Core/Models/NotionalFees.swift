import IPC

/// Maker and taker rates in millionths of the notional (100 = 1 bp; negative is a rebate), the
/// same for every instrument (`--maker-fee-ppm`, `--taker-fee-ppm`; 0 by default). A fee is
/// `price × size × rate / 10^6` units of tick × lot, rounded to the nearest unit, halves away
/// from zero.
struct NotionalFees: FeeModel, Equatable {
    var makerMillionths: Int64 = 0
    var takerMillionths: Int64 = 0

    func applying(to instrument: Instrument) -> NotionalFees { self }

    func fee(price: Int64, size: Int64, maker: Bool) -> Int64 {
        NotionalFees.fee(price: price, size: size, millionths: maker ? makerMillionths : takerMillionths)
    }

    var maxRateMillionths: Int64 { Int64(max(makerMillionths.magnitude, takerMillionths.magnitude)) }

    /// `price × size × millionths / 10^6` rounded half away from zero, in 128 bits (a notional
    /// reaches 10^36), held to 64. The order manager refuses an order whose fee could pass 64
    /// bits; only a flatten's market order, filled at a price it could not check, could reach it.
    static func fee(price: Int64, size: Int64, millionths: Int64) -> Int64 {
        let scaled = Int128(price) * Int128(size) * Int128(millionths)
        let fee = (scaled + (scaled >= 0 ? 500_000 : -500_000)) / 1_000_000
        return Int64(clamping: fee)
    }
}
