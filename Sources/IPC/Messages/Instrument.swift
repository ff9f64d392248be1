/// A tradable instrument as the session knows it: prices travel as integer ticks and sizes as
/// integer lots of these increments.
public struct Instrument: Equatable, Sendable {
    /// The id frames carry in `FrameHeader.instrument`; 1-based.
    public var id: UInt32

    /// Slots in a table indexed by instrument id: ids run from 1 to the session's table size
    /// (`ControlBlockDescriptor.maxInstruments`), and slot 0 stays empty.
    public static var idSlots: Int { ControlBlockDescriptor.maxInstruments + 1 }
    /// One bot's account on one instrument as one index into a table over every bot and
    /// instrument, bot by bot: `bot × idSlots + id` (exec's and risk's states, the report's runs,
    /// the dashboard's rows).
    public static func accountSlot(bot: Int, id: Int) -> Int { bot &* idSlots &+ id }
    /// The bot and the instrument id of an `accountSlot`.
    public static func account(ofSlot slot: Int) -> (bot: Int, id: Int) { (slot / idSlots, slot % idSlots) }
    /// The venue's symbol, e.g. "BTCUSDT": 1 to 20 printable ASCII characters.
    public var symbol: String
    /// The price increment: `tickMantissa × 10^-tickDecimals` (0.01 = 1, 2).
    public var tickMantissa: Int64
    public var tickDecimals: UInt8
    /// The size increment: `lotMantissa × 10^-lotDecimals` (0.00001 = 1, 5).
    public var lotMantissa: Int64
    public var lotDecimals: UInt8
    /// How many decimals the venue prints prices and sizes with (Binance spot: 8 and 8).
    public var priceDisplayDecimals: UInt8
    public var sizeDisplayDecimals: UInt8

    public init(
        id: UInt32, symbol: String, tickMantissa: Int64, tickDecimals: UInt8, lotMantissa: Int64, lotDecimals: UInt8,
        priceDisplayDecimals: UInt8, sizeDisplayDecimals: UInt8
    ) throws(InvalidArgument) {
        guard id > 0 else { throw InvalidArgument("instrument \(symbol): id must be at least 1") }
        guard (1...20).contains(symbol.utf8.count), symbol.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw InvalidArgument("instrument symbol '\(symbol)' must be 1 to 20 printable ASCII characters")
        }
        guard tickMantissa > 0, lotMantissa > 0, tickMantissa <= UInt32.max, lotMantissa <= UInt32.max,
            tickDecimals <= 18, lotDecimals <= 18,
            priceDisplayDecimals <= 18, sizeDisplayDecimals <= 18,
            priceDisplayDecimals >= tickDecimals, sizeDisplayDecimals >= lotDecimals
        else {
            throw InvalidArgument(
                "instrument \(symbol): tick \(tickMantissa)e-\(tickDecimals) and lot "
                    + "\(lotMantissa)e-\(lotDecimals) must be positive with at most 18 decimals, displayed with at "
                    + "least as many"
            )
        }
        self.id = id
        self.symbol = symbol
        self.tickMantissa = tickMantissa
        self.tickDecimals = tickDecimals
        self.lotMantissa = lotMantissa
        self.lotDecimals = lotDecimals
        self.priceDisplayDecimals = priceDisplayDecimals
        self.sizeDisplayDecimals = sizeDisplayDecimals
    }

    /// A price in ticks as the venue prints it, e.g. 6123401 ticks of 0.01 → "61234.01000000".
    public func formatPrice(_ ticks: Int64) -> String {
        Instrument.format(Int128(ticks), mantissa: tickMantissa, decimals: tickDecimals, display: priceDisplayDecimals)
    }

    /// A size in lots as the venue prints it.
    public func formatSize(_ lots: Int64) -> String {
        Instrument.format(Int128(lots), mantissa: lotMantissa, decimals: lotDecimals, display: sizeDisplayDecimals)
    }

    /// A sum of sizes (a volume) in lots as the venue prints it.
    public func formatVolume(_ lots: Int128) -> String {
        Instrument.format(lots, mantissa: lotMantissa, decimals: lotDecimals, display: sizeDisplayDecimals)
    }

    /// Money in ticks × lots (PnL, fees, a notional) in the quote currency, exactly: one tick × lot
    /// is `tick × lot`, so every decimal of both is kept (16 for a tick and a lot of 10^-8).
    public func formatMoney(_ ticksTimesLots: Int128) -> String {
        let (count, overflow) = ticksTimesLots.multipliedReportingOverflow(by: Int128(tickMantissa))
        if overflow { return "overflow" }
        return Instrument.format(count, mantissa: lotMantissa, decimals: tickDecimals + lotDecimals, display: 0)
    }

    /// The tick and the lot as the venue writes its increments, exactly: "0.01", "0.00000001".
    public var tickText: String { Instrument.format(1, mantissa: tickMantissa, decimals: tickDecimals, display: 0) }
    public var lotText: String { Instrument.format(1, mantissa: lotMantissa, decimals: lotDecimals, display: 0) }

    /// One tick in the quote currency, as a Double: for charts and summaries, never for the books.
    public var tickSize: Double { Double(tickMantissa) / Instrument.powerOfTen(tickDecimals) }

    /// One lot in the base asset, as a Double: for charts and summaries, never for the books.
    public var lotSize: Double { Double(lotMantissa) / Instrument.powerOfTen(lotDecimals) }

    private static func powerOfTen(_ exponent: UInt8) -> Double {
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// `count × mantissa × 10^-decimals`, printed with `display` decimals, exactly (no floats).
    static func format(_ count: Int128, mantissa: Int64, decimals: UInt8, display: UInt8) -> String {
        let (value, overflow) = count.multipliedReportingOverflow(by: Int128(mantissa))
        if overflow { return "overflow" }
        let magnitude = value.magnitude
        var scale: UInt128 = 1
        for _ in 0..<decimals { scale *= 10 }
        let whole = magnitude / scale
        var fraction = decimals == 0 ? "" : String(magnitude % scale)
        fraction = String(repeating: "0", count: max(0, Int(decimals) - fraction.count)) + fraction
        fraction += String(repeating: "0", count: max(0, Int(display) - Int(decimals)))
        let sign = value < 0 ? "-" : ""
        return fraction.isEmpty ? "\(sign)\(whole)" : "\(sign)\(whole).\(fraction)"
    }
}
