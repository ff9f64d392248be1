import IPC

/// Writes the events an external strategy is given, one JSON object a line (docs/external.md),
/// into a fixed buffer: prices, sizes and money as decimal strings in the venue's units, exact;
/// times as integer nanoseconds of the Unix epoch. Allocates nothing.
///
/// ```text
///   {"type":"book","time_ns":1723075200123456789,"id":1,"bids":[{"price":"61234.01","size":"0.5"}],"asks":[…]}
/// ```
struct ExternalEventWriter: ~Copyable {
    /// Room for a book event of 16 levels a side with the longest numbers, and more.
    static let capacity = 16_384
    private(set) var line = TextBuffer(capacity: ExternalEventWriter.capacity)

    mutating func instrument(_ instrument: Instrument, quoteSizeLots: Int64, maxPositionLots: Int64) {
        begin("instrument", timeNs: nil, id: instrument.id)
        line.append(",\"symbol\":\"")
        for byte in instrument.symbol.utf8 {
            if byte == 0x22 || byte == 0x5C { line.append(0x5C) }
            line.append(byte)
        }
        line.append("\",\"tick\":\"")
        line.appendDecimal(Int128(instrument.tickMantissa), decimals: Int(instrument.tickDecimals))
        line.append("\",\"lot\":\"")
        line.appendDecimal(Int128(instrument.lotMantissa), decimals: Int(instrument.lotDecimals))
        line.append("\",\"quote_size\":")
        size(quoteSizeLots, instrument)
        line.append(",\"max_position\":")
        size(maxPositionLots, instrument)
        end()
    }

    /// The top `levels` of each side: from the strategy's copy of the book when it reads levels,
    /// else the top alone.
    mutating func book(_ top: BookTop, view: BookView?, instrument: Instrument, timeNs: Int64) {
        begin("book", timeNs: timeNs, id: instrument.id)
        line.append(",\"bids\":[")
        levels(.buy, top, view, instrument)
        line.append("],\"asks\":[")
        levels(.sell, top, view, instrument)
        line.append("]")
        end()
    }

    /// One side's levels, best first: the view's, else the top's (none when its size is 0).
    private mutating func levels(_ side: Side, _ top: BookTop, _ view: BookView?, _ instrument: Instrument) {
        guard let view else {
            let (price, size) = side == .buy ? (top.bidPrice, top.bidSize) : (top.askPrice, top.askSize)
            if size > 0 { level(0, price, size, instrument) }
            return
        }
        for index in 0..<(side == .buy ? view.bidCount : view.askCount) {
            let (price, size) = side == .buy ? view.bid(index) : view.ask(index)
            level(index, price, size, instrument)
        }
    }

    mutating func trade(_ trade: Trade, instrument: Instrument, timeNs: Int64) {
        begin("trade", timeNs: timeNs, id: instrument.id)
        line.append(",\"price\":")
        price(trade.price, instrument)
        line.append(",\"size\":")
        size(trade.size, instrument)
        line.append(",\"aggressor\":")
        line.append(trade.aggressor == .buy ? "\"buy\"" : "\"sell\"")
        end()
    }

    mutating func order(_ report: ExecutionReport, instrument: Instrument, timeNs: Int64) {
        begin("order", timeNs: timeNs, id: instrument.id)
        line.append(",\"order\":")
        line.appendInteger(Int64(report.clientOrderId))
        line.append(",\"report\":\"")
        switch report.report {
        case .ack: line.append("ack")
        case .reject: line.append("reject")
        case .partialFill: line.append("partial_fill")
        case .fill: line.append("fill")
        case .cancelled: line.append("cancelled")
        case .adjustment: line.append("adjustment")
        }
        line.append("\",\"side\":")
        line.append(report.side == .buy ? "\"buy\"" : "\"sell\"")
        line.append(",\"price\":")
        price(report.price, instrument)
        line.append(",\"size\":")
        size(report.size, instrument)
        line.append(",\"fee\":")
        money(Int128(report.fee), instrument)
        line.append(",\"reason\":\"")
        switch report.rejectReason {
        case .none: line.append("none")
        case .postOnlyWouldCross: line.append("post_only_would_cross")
        case .riskLimit: line.append("risk_limit")
        case .halted: line.append("halted")
        case .unknownOrder: line.append("unknown_order")
        case .insufficientBalance: line.append("insufficient_balance")
        case .invalidPrice: line.append("invalid_price")
        case .invalidSize: line.append("invalid_size")
        case .venueError: line.append("venue_error")
        }
        line.append("\"")
        end()
    }

    mutating func position(_ report: PositionReport, instrument: Instrument, timeNs: Int64) {
        begin("position", timeNs: timeNs, id: instrument.id)
        line.append(",\"position\":")
        size(report.position, instrument)
        line.append(",\"mark\":")
        if let mark = report.markPrice { price(mark, instrument) } else { line.append("null") }
        line.append(",\"realized\":")
        money(report.realizedPnl, instrument)
        line.append(",\"unrealized\":")
        money(report.unrealizedPnl, instrument)
        line.append(",\"fees\":")
        money(report.fees, instrument)
        end()
    }

    mutating func timer(_ timer: Int, timeNs: Int64) {
        begin("timer", timeNs: timeNs, id: nil)
        line.append(",\"timer\":")
        line.appendInteger(Int64(timer))
        end()
    }

    private mutating func begin(_ type: StaticString, timeNs: Int64?, id: UInt32?) {
        line.reset()
        line.append("{\"type\":\"")
        line.append(type)
        line.append("\"")
        if let timeNs {
            line.append(",\"time_ns\":")
            line.appendInteger(timeNs)
        }
        if let id {
            line.append(",\"id\":")
            line.appendInteger(Int64(id))
        }
    }

    private mutating func end() { line.append("}\n") }

    private mutating func level(_ index: Int, _ price: Int64, _ size: Int64, _ instrument: Instrument) {
        line.append(index == 0 ? "{\"price\":" : ",{\"price\":")
        self.price(price, instrument)
        line.append(",\"size\":")
        self.size(size, instrument)
        line.append("}")
    }

    private mutating func price(_ ticks: Int64, _ instrument: Instrument) {
        decimal(Int128(ticks), mantissa: Int128(instrument.tickMantissa), decimals: Int(instrument.tickDecimals))
    }

    private mutating func size(_ lots: Int64, _ instrument: Instrument) {
        decimal(Int128(lots), mantissa: Int128(instrument.lotMantissa), decimals: Int(instrument.lotDecimals))
    }

    /// Ticks × lots in the quote currency: one tick × lot is `tick × lot`.
    private mutating func money(_ ticksTimesLots: Int128, _ instrument: Instrument) {
        decimal(
            ticksTimesLots, mantissa: Int128(instrument.tickMantissa) * Int128(instrument.lotMantissa),
            decimals: Int(instrument.tickDecimals) + Int(instrument.lotDecimals))
    }

    /// `count × mantissa × 10^-decimals` as a quoted decimal; null past what 128 bits hold
    /// (10^38: no real position or PnL comes near).
    private mutating func decimal(_ count: Int128, mantissa: Int128, decimals: Int) {
        let (value, overflow) = count.multipliedReportingOverflow(by: mantissa)
        guard !overflow else { return line.append("null") }
        line.append("\"")
        line.appendDecimal(value, decimals: decimals)
        line.append("\"")
    }
}
