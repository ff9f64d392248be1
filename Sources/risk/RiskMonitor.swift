import IPC

/// risk's core: positions and PnL per instrument (from exec's position snapshots), marks (from
/// tops), and the post-trade limits. `breach` names the first limit broken, or nil.
struct RiskMonitor {
    struct InstrumentRisk {
        let instrument: Instrument
        var position: Int64 = 0
        /// From exec's last position snapshot, in ticks × lots: exact, as the journal rebuilds them.
        var realizedPnl: Int64 = 0
        var fees: Int64 = 0
        /// realized + unrealized (at exec's mark) − fees.
        var pnl: Int64 = 0
        var mark: Int64?
        /// One tick × lot in the quote currency.
        var unit: Double
    }

    let options: RiskOptions
    /// The session's instrument table: risk may attach after the definitions went by.
    let lookup: (UInt32) -> Instrument?
    private(set) var instruments: [UInt32: InstrumentRisk] = [:]
    private(set) var peakPnl = 0.0
    private(set) var lastMarketDataNs: Int64?

    init(options: RiskOptions, lookup: @escaping (UInt32) -> Instrument? = { _ in nil }) {
        self.options = options
        self.lookup = lookup
    }

    private mutating func learn(_ instrument: Instrument) {
        guard instruments[instrument.id] == nil else { return }
        instruments[instrument.id] = InstrumentRisk(instrument: instrument, unit: instrument.tickSize * instrument.lotSize)
    }

    mutating func handle(_ frame: UnsafePointer<Frame>, nowNs: Int64) {
        let header = frame.pointee.header
        switch header.messageType {
        case .instrumentDefinition:
            if let instrument = try? frame.pointee.as(InstrumentDefinition.self).instrument() { learn(instrument) }
        case .positionSnapshot:
            if instruments[header.instrument] == nil, let instrument = lookup(header.instrument) { learn(instrument) }
            let snapshot = frame.pointee.as(PositionSnapshot.self)
            instruments[header.instrument]?.position = snapshot.position
            instruments[header.instrument]?.realizedPnl = snapshot.realizedPnl
            instruments[header.instrument]?.fees = snapshot.fees
            instruments[header.instrument]?.pnl = snapshot.realizedPnl + snapshot.unrealizedPnl - snapshot.fees
        case .bookTop:
            if instruments[header.instrument] == nil, let instrument = lookup(header.instrument) { learn(instrument) }
            let top = frame.pointee.as(BookTop.self)
            lastMarketDataNs = nowNs
            if top.isValid { instruments[header.instrument]?.mark = (top.bidPrice + top.askPrice) / 2 }
        case .bookDelta, .trade:
            lastMarketDataNs = nowNs
        default:
            break
        }
    }

    var totalPnl: Double { instruments.values.reduce(0) { $0 + Double($1.pnl) * $1.unit } }

    /// Σ |position| × mark, in the quote currency.
    var exposure: Double {
        instruments.values.reduce(0.0) { total, risk in
            total + Double(abs(risk.position)) * Double(risk.mark ?? 0) * risk.unit
        }
    }

    /// The first limit broken, as the reason trading halts.
    mutating func breach(nowNs: Int64) -> String? {
        peakPnl = max(peakPnl, totalPnl)
        for risk in instruments.values.sorted(by: { $0.instrument.id < $1.instrument.id }) {
            let lot = risk.instrument.lotSize
            if let max = options.maxPosition, Double(abs(risk.position)) * lot > max + 1e-12 {
                return "max position \(max) \(risk.instrument.symbol) breached: position \(risk.instrument.formatSize(risk.position))"
            }
        }
        if let max = options.maxNotional {
            if exposure > max { return "max notional \(max) breached: exposure \(rounded(exposure))" }
        }
        if let max = options.maxDrawdown, peakPnl - totalPnl > max {
            return "max drawdown \(max) breached: PnL \(rounded(totalPnl)) from a peak of \(rounded(peakPnl))"
        }
        if let stale = options.staleMs, let last = lastMarketDataNs, nowNs - last > Int64(stale) * 1_000_000 {
            return "stale market data: nothing for \((nowNs - last) / 1_000_000) ms (limit \(stale) ms)"
        }
        return nil
    }

    /// One line per instrument for risk's exit: what it last knew of exec's books.
    var report: [String] {
        instruments.values.sorted { $0.instrument.id < $1.instrument.id }.map { risk in
            "risk: \(risk.instrument.symbol): position \(risk.instrument.formatSize(risk.position)), "
                + "realized \(risk.realizedPnl) and fees \(risk.fees) ticks × lots, PnL \(rounded(Double(risk.pnl) * risk.unit)) in quote currency"
        }
    }

    private func rounded(_ value: Double) -> String { "\((value * 1e4).rounded() / 1e4)" }
}
