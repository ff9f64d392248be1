import IPC

/// One symbol's order filters (BINANCE.md G.4) in an instrument's integers, checked before an
/// order is sent: an order the venue would reject never leaves. Prices in ticks, sizes in
/// lots, notionals in ticks × lots (128 bits: 9,000,000 USDT at a tick and a lot of 10^-8 is
/// 9 × 10^22 of them); a rule the venue disables (a value of 0) or does not send is `nil`.
///
/// PERCENT_PRICE_BY_SIDE bounds a price by the venue's reference (the average of recent trade
/// prices); the check uses the caller's reference, exec's mid, so an order near the bound may
/// still be refused by the venue (and that reject is reported as the venue's).
public struct ExchangeFilters: Equatable, Sendable {
    public struct Bounds: Equatable, Sendable {
        public var minimum: Int64?
        public var maximum: Int64?
        /// A multiple of this many ticks or lots.
        public var step: Int64?
    }

    public var symbol: String
    public var tradable: Bool
    public var status: String
    public var baseAsset: String
    public var quoteAsset: String
    public var allowsPostOnly: Bool
    public var allowsMarket: Bool
    public var cancelReplaceAllowed: Bool
    public var amendAllowed: Bool
    public var priceBounds = Bounds()
    public var sizeBounds = Bounds()
    public var marketSizeBounds = Bounds()
    public var minNotional: Int128?
    public var minNotionalAppliesToMarket = true
    public var maxNotional: Int128?
    public var maxNotionalAppliesToMarket = false
    /// PERCENT_PRICE_BY_SIDE's multipliers in millionths: bid up, bid down, ask up, ask down.
    public var percentMillionths: (bidUp: Int64, bidDown: Int64, askUp: Int64, askDown: Int64)?
    public var maxNumOrders: Int?
    /// The rules as written, for messages.
    public let rules: SymbolRules

    public static func == (lhs: ExchangeFilters, rhs: ExchangeFilters) -> Bool { lhs.rules == rhs.rules }

    /// The rules in `instrument`'s ticks and lots; an error when a rule cannot be expressed in
    /// them (the venue's tick finer than the market's), naming it.
    public init(_ rules: SymbolRules, instrument: Instrument) throws(InvalidArgument) {
        self.rules = rules
        symbol = rules.symbol
        status = rules.status
        tradable = rules.status == "TRADING"
        baseAsset = rules.baseAsset
        quoteAsset = rules.quoteAsset
        allowsPostOnly = rules.orderTypes.contains("LIMIT_MAKER")
        allowsMarket = rules.orderTypes.contains("MARKET")
        cancelReplaceAllowed = rules.cancelReplaceAllowed
        amendAllowed = rules.amendAllowed
        let tick = (Int128(instrument.tickMantissa), Int(instrument.tickDecimals))
        let lot = (Int128(instrument.lotMantissa), Int(instrument.lotDecimals))
        func bounds(_ range: SymbolRules.Range?, _ unit: (Int128, Int), _ name: String) throws(InvalidArgument)
            -> Bounds
        {
            guard let range else { return Bounds() }
            let step = try Self.units(range.step, unit, exact: true, "\(rules.symbol) \(name) step \(range.step)")
            return Bounds(
                minimum: try Self.units(range.minimum, unit, roundUp: true, "\(rules.symbol) \(name) minimum")
                    .map(Self.narrow),
                maximum: try Self.units(range.maximum, unit, roundUp: false, "\(rules.symbol) \(name) maximum")
                    .map(Self.narrow),
                step: step.map(Self.narrow))
        }
        priceBounds = try bounds(rules.price, tick, "PRICE_FILTER")
        sizeBounds = try bounds(rules.lot, lot, "LOT_SIZE")
        marketSizeBounds = try bounds(rules.marketLot, lot, "MARKET_LOT_SIZE")
        let (notionalMantissa, overflow) = tick.0.multipliedReportingOverflow(by: lot.0)
        guard !overflow else { throw InvalidArgument("\(rules.symbol): tick × lot does not fit 128 bits") }
        let notionalUnit = (notionalMantissa, tick.1 + lot.1)
        minNotional = try rules.notional.minimum.flatMap { (text) throws(InvalidArgument) in
            try Self.units(text, notionalUnit, roundUp: true, "\(rules.symbol) minNotional")
        }
        maxNotional = try rules.notional.maximum.flatMap { (text) throws(InvalidArgument) in
            try Self.units(text, notionalUnit, roundUp: false, "\(rules.symbol) maxNotional")
        }
        minNotionalAppliesToMarket = rules.notional.applyMinimumToMarket
        maxNotionalAppliesToMarket = rules.notional.applyMaximumToMarket
        if let percent = rules.percentPrice {
            let millionth = (Int128(1), 6)
            func rate(_ text: String, _ up: Bool) throws(InvalidArgument) -> Int64 {
                Self.narrow(
                    try Self.units(text, millionth, roundUp: !up, "\(rules.symbol) PERCENT_PRICE multiplier")
                        ?? (up ? Int128(Int64.max) : 0))
            }
            percentMillionths = (
                try rate(percent.bidUp, true), try rate(percent.bidDown, false),
                try rate(percent.askUp, true), try rate(percent.askDown, false)
            )
        }
        maxNumOrders = rules.maxNumOrders.flatMap { $0 > 0 ? $0 : nil }
    }

    /// Why the venue would reject this order, or nil. `price` is ignored for a market order;
    /// `reference` (ticks: the mid) stands in for the venue's average price, and prices a
    /// market order's notional; `openOrders` is how many of ours rest on the symbol now.
    public func refusal(side: Side, market: Bool, price: Int64, size: Int64, reference: Int64?, openOrders: Int)
        -> String?
    {
        guard tradable else { return "\(symbol) is \(status) at the venue, not TRADING" }
        if market ? !allowsMarket : !allowsPostOnly {
            return "\(symbol) takes no \(market ? "MARKET" : "LIMIT_MAKER") orders"
        }
        if let maxNumOrders, openOrders >= maxNumOrders {
            return "MAX_NUM_ORDERS: \(openOrders) open, the venue allows \(maxNumOrders)"
        }
        if !market, let refusal = Self.check(price, priceBounds, "PRICE_FILTER", "price", rules.price) {
            return refusal
        }
        let marketLot = market && marketSizeBounds.step != nil
        let sizeRules = marketLot ? rules.marketLot : rules.lot
        if let refusal = Self.check(
            size, marketLot ? marketSizeBounds : sizeBounds, market ? "MARKET_LOT_SIZE" : "LOT_SIZE", "quantity",
            sizeRules)
        {
            return refusal
        }
        guard let notionalPrice = market ? reference : price else { return nil }
        let notional = Int128(notionalPrice) * Int128(size)
        if let minNotional, !market || minNotionalAppliesToMarket, notional < minNotional {
            return "NOTIONAL: below the minimum of \(rules.notional.minimum ?? "") \(quoteAsset)"
        }
        if let maxNotional, !market || maxNotionalAppliesToMarket, notional > maxNotional {
            return "NOTIONAL: above the maximum of \(rules.notional.maximum ?? "") \(quoteAsset)"
        }
        if !market, let reference, let percent = percentMillionths {
            let (up, down) = side == .buy ? (percent.bidUp, percent.bidDown) : (percent.askUp, percent.askDown)
            let scaled = Int128(price) * 1_000_000
            if scaled > Int128(reference) * Int128(up) || scaled < Int128(reference) * Int128(down) {
                return "PERCENT_PRICE_BY_SIDE: price \(price) ticks too far from the reference \(reference) ticks"
            }
        }
        return nil
    }

    /// `size` (lots) rounded down to a multiple of LOT_SIZE's step (MARKET_LOT_SIZE's for a
    /// market order): the order manager sizes orders from its position room, which the balance's
    /// adjustments keep in the instrument's lots, finer than the venue's step.
    public func sizeRoundedDown(_ size: Int64, market: Bool) -> Int64 {
        let bounds = market && marketSizeBounds.step != nil ? marketSizeBounds : sizeBounds
        guard let step = bounds.step, step > 1, size > 0 else { return size }
        return size - size % step
    }

    private static func check(
        _ value: Int64, _ bounds: Bounds, _ filter: String, _ name: String, _ rules: SymbolRules.Range?
    ) -> String? {
        if let minimum = bounds.minimum, value < minimum {
            return "\(filter): \(name) below the minimum \(rules?.minimum ?? "")"
        }
        if let maximum = bounds.maximum, value > maximum {
            return "\(filter): \(name) above the maximum \(rules?.maximum ?? "")"
        }
        if let step = bounds.step, value % step != 0 {
            return "\(filter): \(name) not a multiple of \(rules?.step ?? "")"
        }
        return nil
    }

    /// A decimal text in units of `mantissa × 10^-decimals`: nil for zero (the rule disabled);
    /// rounded up or down where the unit is coarser (a minimum up, a maximum down), or required
    /// `exact` (a step).
    static func units(
        _ text: String, _ unit: (mantissa: Int128, decimals: Int), roundUp: Bool = false, exact: Bool = false,
        _ what: String
    ) throws(InvalidArgument) -> Int128? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts.count == 1 || !parts[1].isEmpty,
            parts.allSatisfy({ $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } })
        else { throw InvalidArgument("\(what) '\(text)' is not a plain decimal") }
        let fraction: Substring = parts.count == 2 ? parts[1] : ""
        let significant = fraction.reversed().drop(while: { $0 == "0" }).reversed()
        let digits = String(parts[0]) + String(significant)
        guard digits.count <= 36, var numerator = Int128(digits) else {
            throw InvalidArgument("\(what) '\(text)' has too many digits")
        }
        guard numerator != 0 else { return nil }
        var denominator = unit.mantissa
        let exponent = unit.decimals - significant.count
        for _ in 0..<abs(exponent) {
            let (scaled, overflow) = (exponent > 0 ? numerator : denominator).multipliedReportingOverflow(by: 10)
            guard !overflow else { throw InvalidArgument("\(what) '\(text)' does not fit 128 bits in its units") }
            if exponent > 0 { numerator = scaled } else { denominator = scaled }
        }
        let (quotient, remainder) = numerator.quotientAndRemainder(dividingBy: denominator)
        if remainder != 0 && exact {
            throw InvalidArgument("\(what) is finer than the market's increment")
        }
        return remainder != 0 && roundUp ? quotient + 1 : quotient
    }

    private static func narrow(_ value: Int128) -> Int64 { Int64(clamping: value) }
}
