import IPC

/// risk's core: positions and PnL per bot and instrument (from exec's position snapshots), marks
/// (from tops), and the post-trade limits: each bot's, and over all bots. `breach` names the
/// first limit broken, or nil.
struct RiskMonitor {
    struct InstrumentRisk {
        let instrument: Instrument
        /// Whose account: the bot's index (0 with one bot).
        let bot: Int
        var position: Int64 = 0
        /// From exec's last position snapshot, in ticks × lots: exact, as the journal rebuilds them.
        var realizedPnl: Int128 = 0
        var fees: Int128 = 0
        /// realized + unrealized (at exec's mark) − fees.
        var pnl: Int128 = 0
        /// One tick × lot in the quote currency.
        var unit: Double
    }

    let options: RiskOptions
    /// The session's instrument table: risk may attach after the definitions went by.
    let lookup: (UInt32) -> Instrument?
    /// By bot and instrument id (`Instrument.accountSlot`; a frame's id is 1...64). An array, not a
    /// dictionary: a dictionary's in-place update through its subscript allocated on every frame.
    private var slots: [InstrumentRisk?] = Array(repeating: nil, count: FrameLayout.maxBots * Instrument.idSlots)
    /// The bots seen so far: slots past `bots × idSlots` are empty.
    private(set) var bots = 1
    /// Each instrument's mark (the mid of its last valid top), by id.
    private var marks: [Int64?] = Array(repeating: nil, count: Instrument.idSlots)
    private var known: [Instrument?] = Array(repeating: nil, count: Instrument.idSlots)
    /// Every bot's account on every instrument, bot by bot.
    var instruments: [InstrumentRisk] { slots[..<(bots * Instrument.idSlots)].compactMap { $0 } }
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
        guard id < known.count, known[id] == nil else { return }
        known[id] = instrument
    }

    /// The slot of a bot's account on a frame's instrument, the instrument learnt from the
    /// session's table if new; nil if unknown.
    private mutating func slot(_ id: UInt32, bot: UInt16) -> Int? {
        let id = Int(id)
        let bot = Int(bot)
        guard id < known.count, bot < FrameLayout.maxBots else { return nil }
        if known[id] == nil, let instrument = lookup(UInt32(id)) { learn(instrument) }
        guard let instrument = known[id] else { return nil }
        let index = Instrument.accountSlot(bot: bot, id: id)
        if slots[index] == nil {
            slots[index] = InstrumentRisk(
                instrument: instrument, bot: bot, unit: instrument.tickSize * instrument.lotSize)
            bots = max(bots, bot + 1)
        }
        return index
    }

    mutating func handle(_ frame: UnsafePointer<Frame>, nowNs: Int64) {
        let header = frame.pointee.header
        switch header.messageType {
        case .instrumentDefinition:
            if let instrument = try? frame.pointee.as(InstrumentDefinition.self).instrument() { learn(instrument) }
        case .positionSnapshot, .positionPnl:
            guard let report = positions.add(frame.pointee), let index = slot(header.instrument, bot: header.bot)
            else { return }
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
            let id = Int(header.instrument)
            let top = frame.pointee.as(BookTop.self)
            if id < marks.count, top.isValid { marks[id] = top.midPrice }
        case .bookDelta, .bookLevels, .trade:
            lastMarketDataNs = nowNs
        default:
            break
        }
    }

    var totalPnl: Double {
        slots[..<(bots * Instrument.idSlots)].reduce(0) { total, risk in
            total + (risk.map { Double($0.pnl) * $0.unit } ?? 0)
        }
    }

    /// An instrument's position over all bots, in lots: 128 bits, as 16 positions of up to 2^63
    /// lots each pass 64.
    func totalPosition(_ id: Int) -> Int128 {
        var total: Int128 = 0
        for bot in 0..<bots { total += Int128(slots[Instrument.accountSlot(bot: bot, id: id)]?.position ?? 0) }
        return total
    }

    /// Σ |position over all bots| × mark, in the quote currency (each instrument's exact in
    /// ticks × lots first): the bots' opposite positions on one instrument offset.
    var exposure: Double {
        known.indices.reduce(0.0) { total, id in
            guard let instrument = known[id] else { return total }
            // Up to 2^67 lots × 2^63 ticks: within 128 bits.
            let notional = totalPosition(id).magnitude * UInt128(Int128(marks[id] ?? 0).magnitude)
            return total + Double(notional) * instrument.tickSize * instrument.lotSize
        }
    }

    /// The first limit broken, as the reason trading halts.
    mutating func breach(nowNs: Int64) -> String? {
        peakPnl = max(peakPnl, totalPnl)
        for case let risk? in slots[..<(bots * Instrument.idSlots)] {
            let lot = risk.instrument.lotSize
            if let max = options.maxPosition, Double(abs(risk.position)) * lot > max + 1e-12 {
                return
                    "max position \(max) \(name(risk)) breached: position "
                    + "\(risk.instrument.formatSize(risk.position))"
            }
        }
        if let max = options.maxTotalPosition {
            for case let instrument? in known {
                let total = totalPosition(Int(instrument.id))
                if Double(abs(total)) * instrument.lotSize > max + 1e-12 {
                    return
                        "max total position \(max) \(instrument.symbol) breached: \(bots) bots' position "
                        + "\(instrument.formatVolume(total))"
                }
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
            "risk: \(name(risk)): position \(risk.instrument.formatSize(risk.position)), "
                + "realized \(risk.realizedPnl) and fees \(risk.fees) ticks × lots, PnL "
                + "\(rounded(Double(risk.pnl) * risk.unit)) in quote currency"
        }
    }

    /// The account's name: its symbol, and its bot once several bots were seen.
    private func name(_ risk: InstrumentRisk) -> String {
        bots == 1 ? risk.instrument.symbol : "\(risk.instrument.symbol) bot \(risk.bot)"
    }

    private func rounded(_ value: Double) -> String { "\((value * 1e4).rounded() / 1e4)" }
}
