import IPC

/// Maker and taker rates per instrument, from a file (`--fee-schedule FILE`): one instrument per
/// line, its symbol and its rates in millionths of the notional; `*` for every instrument not
/// named (else the `--maker-fee-ppm`/`--taker-fee-ppm` rates); `#` starts a comment.
///
/// ```text
/// # symbol   maker_ppm  taker_ppm
/// BTCUSDT    -10        400
/// ETHUSDT    0          450
/// *          100        1000
/// ```
struct FeeSchedule: FeeModel {
    private let rates: [String: NotionalFees]
    private let others: NotionalFees
    /// The rates of the instrument this copy applies to (`applying(to:)`), `others` until then.
    private var current: NotionalFees

    /// Reads and checks `path`: a problem names the file and line.
    init(path: String, others: NotionalFees) throws(InvalidArgument) {
        var rates: [String: NotionalFees] = [:]
        var others = others
        var seen: [String: Int] = [:]
        for record in try TextFile.records(path, flag: "--fee-schedule") {
            let fields = record.fields
            let place = "--fee-schedule \(path):\(record.line)"
            guard fields.count == 3, let maker = Int64(fields[1]), let taker = Int64(fields[2]) else {
                throw InvalidArgument(
                    "\(place): expected a symbol and two rates in millionths (maker, taker), found '\(record.text)'")
            }
            let bound: ClosedRange<Int64> = -10_000...10_000
            guard bound.contains(maker), bound.contains(taker) else {
                throw InvalidArgument("\(place): rates must be within -10000...10000 millionths (±1 %)")
            }
            let symbol = String(fields[0])
            if let earlier = seen[symbol] { throw InvalidArgument("\(place): \(symbol) already on line \(earlier)") }
            seen[symbol] = record.line
            let fees = NotionalFees(makerMillionths: maker, takerMillionths: taker)
            if symbol == "*" { others = fees } else { rates[symbol] = fees }
        }
        self.rates = rates
        self.others = others
        current = others
    }

    func applying(to instrument: Instrument) -> FeeSchedule {
        var copy = self
        copy.current = rates[instrument.symbol] ?? others
        return copy
    }

    func fee(price: Int64, size: Int64, maker: Bool) -> Int64 { current.fee(price: price, size: size, maker: maker) }

    var maxRateMillionths: Int64 { current.maxRateMillionths }
}
