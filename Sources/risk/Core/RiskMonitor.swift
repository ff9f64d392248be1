import IPC

/// risk's core: positions and PnL per instrument (from exec's position snapshots), marks (from
/// tops), and the post-trade limits. `breach` names the first limit broken, or nil.
struct RiskMonitor {
    struct InstrumentRisk {
        let instrument: Instrument
        var position: Int64 = 0
        /// From exec's last position snapshot, in ticks × lots: exact, as the journal rebuilds them.
        var realizedPnl: Int128 = 0
        var fees: Int128 = 0
        /// realized + unrealized (at exec's mark) − fees.
        var pnl: Int128 = 0
        var mark: Int64?
        /// One tick × lot in the quote currency.
        var unit: Double
    }

    let options: RiskOptions
    /// The session's instrument table: risk may attach after the definitions went by.
    let lookup: (UInt32) -> Instrument?
    /// By instrument id (a frame's 1...64). An array, not a dictionary: a dictionary's in-place
    /// update through its subscript allocated on every frame.
    private var slots: [InstrumentRisk?] = Array(repeating: nil, count: ControlBlockDescriptor.maxInstruments + 1)
    var instruments: [InstrumentRisk] { slots.compactMap { $0 } }
    private(set) var peakPnl = 0.0
    private(set) var lastMarketDataNs: Int64?
    /// Joins exec's two-frame position snapshots (risk reads exec's ring lossy).
    private var positions = PositionReportReader()
    /// When exec's last rejects were seen (a ring, oldest overwritten), and the last one's reason.
    private var rejectTimes = [Int64](repeating: .min, count: RiskMonitor.rejectMemory)
    private var rejectNext = 0
    private(set) var lastRejectReason = ExecutionReport.RejectReason.none
    /// A storm was said: not again until the window holds fewer rejects than a storm.
    private var stormSaid = false

    static let rejectMemory = 1_024
    static let rejectWindowNs: Int64 = 10_000_000_000

    init(options: RiskOptions, lookup: @escaping (UInt32) -> Instrument? = { _ in nil }) {
        self.options = options
        self.lookup = lookup
    }

    private mutating func learn(_ instrument: Instrument) {
        let id = Int(instrument.id)
        guard id < slots.count, slots[id] == nil else { return }
        slots[id] = InstrumentRisk(instrument: instrument, unit: instrument.tickSize * instrument.lotSize)
    }

    /// The slot of a frame's instrument, learnt from the session's table if new; nil if unknown.
    private mutating func slot(_ id: UInt32) -> Int? {
        let index = Int(id)
        guard index < slots.count else { return nil }
        if slots[index] == nil, let instrument = lookup(id) { learn(instrument) }
        return slots[index] == nil ? nil : index
    }

    mutating func handle(_ frame: UnsafePointer<Frame>, nowNs: Int64) {
        let header = frame.pointee.header
        switch header.messageType {
        case .instrumentDefinition:
            if let instrument = try? frame.pointee.as(InstrumentDefinition.self).instrument() { learn(instrument) }
        case .positionSnapshot, .positionPnl:
            guard let report = positions.add(frame.pointee), let index = slot(header.instrument) else { return }
            slots[index]!.position = report.position
            slots[index]!.realizedPnl = report.realizedPnl
            slots[index]!.fees = report.fees
            slots[index]!.pnl = report.pnl
        case .executionReport:
            let report = frame.pointee.as(ExecutionReport.self)
            guard report.report == .reject else { return }
            rejectTimes[rejectNext] = nowNs
            rejectNext = (rejectNext + 1) % rejectTimes.count
            lastRejectReason = ExecutionReport.RejectReason(rawValue: report.rejectReasonRaw) ?? .venueError
        case .bookTop:
            lastMarketDataNs = nowNs
            guard let index = slot(header.instrument) else { return }
            let top = frame.pointee.as(BookTop.self)
            if top.isValid { slots[index]!.mark = top.midPrice }
        case .bookDelta, .bookLevels, .trade:
            lastMarketDataNs = nowNs
        default:
            break
        }
    }

    var totalPnl: Double { slots.reduce(0) { total, risk in total + (risk.map { Double($0.pnl) * $0.unit } ?? 0) } }

    /// Σ |position| × mark, in the quote currency (each instrument's exact in ticks × lots first).
    var exposure: Double {
        slots.reduce(0.0) { total, risk in
            guard let risk else { return total }
            return total + Double(Int128(risk.position).magnitude * Int128(risk.mark ?? 0).magnitude) * risk.unit
        }
    }

    /// The first limit broken, as the reason trading halts.
    mutating func breach(nowNs: Int64) -> String? {
        peakPnl = max(peakPnl, totalPnl)
        for case let risk? in slots {
            let lot = risk.instrument.lotSize
            if let max = options.maxPosition, Double(abs(risk.position)) * lot > max + 1e-12 {
                return
                    "max position \(max) \(risk.instrument.symbol) breached: position "
                    + "\(risk.instrument.formatSize(risk.position))"
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

    /// `threshold` or more of exec's orders rejected within the last 10 s: the count, once per
    /// storm (said again only after the window has held fewer); nil otherwise.
    mutating func rejectStorm(threshold: Int, nowNs: Int64) -> Int? {
        let count = rejectTimes.reduce(0) { $0 + ($1 > nowNs - RiskMonitor.rejectWindowNs ? 1 : 0) }
        guard count >= threshold else {
            stormSaid = false
            return nil
        }
        guard !stormSaid else { return nil }
        stormSaid = true
        return count
    }

    /// One line per instrument for risk's exit: what it last knew of exec's books.
    var report: [String] {
        instruments.map { risk in
            "risk: \(risk.instrument.symbol): position \(risk.instrument.formatSize(risk.position)), "
                + "realized \(risk.realizedPnl) and fees \(risk.fees) ticks × lots, PnL "
                + "\(rounded(Double(risk.pnl) * risk.unit)) in quote currency"
        }
    }

    private func rounded(_ value: Double) -> String { "\((value * 1e4).rounded() / 1e4)" }
}
