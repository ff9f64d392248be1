import IPC

/// A live venue with the paper venue in its shadow (`exec --shadow-paper FILE`): both get the
/// same market and the same order commands; the live venue's reports go on to the order manager
/// and the ledger, the paper venue's only to the `ShadowJournal`. `exec report --shadow` then
/// compares them order by order: how far a backtest of this strategy can be trusted.
///
/// The order manager follows the live venue, and the paper venue follows the order manager:
///
///     manager's command       paper venue gets
///     new X                   new X
///     cancel X                cancel X, if X still works on paper (else nothing)
///     replace X by Y          replace X by Y, if X still works on paper; else new Y
///     live reports X ended    cancel X, if X still works on paper
///     (filled, cancelled,
///      rejected)
///
/// So every order placed live has a twin on paper under the same client order id, working from
/// its placement until either venue ends it.
final class ShadowedVenue<Live: Venue, Paper: Venue>: Venue {
    let live: Live
    let paper: Paper
    let journal: ShadowJournal
    let instrument: UInt32
    /// The orders working on paper (placed, not yet ended by a report), and whether a cancel is
    /// on its way to each: a handful, searched linearly.
    @exclusivity(unchecked) private var working: [(id: UInt32, cancelSent: Bool)] = []
    @exclusivity(unchecked) private var paperReports: [ExecutionReport] = []
    /// What the paper venue's fills add up to, journaled with each fill and once a second.
    @exclusivity(unchecked) private(set) var ledger = PositionLedger()
    @exclusivity(unchecked) private var lastTop: BookTop?
    @exclusivity(unchecked) private var nextMarkNs: Int64 = 0
    /// The latest market time a call brought.
    @exclusivity(unchecked) private var nowNs: Int64 = 0

    init(live: Live, paper: Paper, journal: ShadowJournal, instrument: UInt32) {
        self.live = live
        self.paper = paper
        self.journal = journal
        self.instrument = instrument
        working.reserveCapacity(16)
        paperReports.reserveCapacity(16)
    }

    var maxFeeMillionths: Int64 { max(live.maxFeeMillionths, paper.maxFeeMillionths) }
    var nextArrivalNs: Int64 { journal.stopped ? live.nextArrivalNs : min(live.nextArrivalNs, paper.nextArrivalNs) }

    func submit(_ command: OrderCommand, nowNs: Int64, into reports: inout [ExecutionReport]) {
        moveTo(nowNs)
        shadow(command)
        let start = reports.count
        live.submit(command, nowNs: nowNs, into: &reports)
        follow(reports, from: start)
    }

    func advance(to nowNs: Int64, into reports: inout [ExecutionReport]) {
        moveTo(nowNs)
        let start = reports.count
        live.advance(to: nowNs, into: &reports)
        follow(reports, from: start)
        guard !journal.stopped else { return }
        paper.advance(to: nowNs, into: &paperReports)
        drainPaper()
    }

    func apply(_ delta: BookDelta) {
        live.apply(delta)
        if !journal.stopped { paper.apply(delta) }
    }

    func apply(_ levels: BookLevels) {
        live.apply(levels)
        if !journal.stopped { paper.apply(levels) }
    }

    func top(_ top: BookTop, nowNs: Int64, into reports: inout [ExecutionReport]) {
        moveTo(nowNs)
        let start = reports.count
        live.top(top, nowNs: nowNs, into: &reports)
        follow(reports, from: start)
        guard !journal.stopped else { return }
        if top.isValid { lastTop = top }
        paper.top(top, nowNs: nowNs, into: &paperReports)
        drainPaper()
        if nowNs >= nextMarkNs { mark() }
    }

    func trade(_ trade: Trade, nowNs: Int64, into reports: inout [ExecutionReport]) {
        moveTo(nowNs)
        let start = reports.count
        live.trade(trade, nowNs: nowNs, into: &reports)
        follow(reports, from: start)
        guard !journal.stopped else { return }
        paper.trade(trade, nowNs: nowNs, into: &paperReports)
        drainPaper()
    }

    /// The run before's orders are the live venue's: the paper venue never had them.
    func adopt(_ orders: [JournalHistory.WorkingOrder], position: Int64) -> [JournalHistory.WorkingOrder] {
        live.adopt(orders, position: position)
    }

    func requoteStep(spreadTicks: Int64) -> Int64 { live.requoteStep(spreadTicks: spreadTicks) }

    /// The end of the run: what still works on paper cancelled, every cancel and order in flight
    /// there arrived, the position journaled.
    func finish() {
        guard !journal.stopped else { return }
        for index in working.indices where !working[index].cancelSent { cancelOnPaper(at: index) }
        var rounds = 0
        while paper.nextArrivalNs != .max, rounds < 1_000 {
            moveTo(paper.nextArrivalNs)
            paper.advance(to: nowNs, into: &paperReports)
            drainPaper()
            rounds += 1
        }
        recordPosition()
    }

    // MARK: The shadow

    private func moveTo(_ time: Int64) { if time > nowNs { nowNs = time } }

    /// The manager's command, as the paper venue's state allows (the table above).
    private func shadow(_ command: OrderCommand) {
        guard !journal.stopped else { return }
        var command = command
        let twin = workingIndex(command.origClientOrderId)
        switch command.command {
        case .new:
            break
        case .cancel:
            guard let twin, !working[twin].cancelSent else { return }
            working[twin].cancelSent = true
        case .replace:
            if let twin, !working[twin].cancelSent {
                working[twin].cancelSent = true
            } else {
                command.command = .new
                command.origClientOrderId = 0
            }
        }
        if command.command != .cancel { working.append((command.clientOrderId, false)) }
        journal.record(Frame(command))
        paper.submit(command, nowNs: nowNs, into: &paperReports)
        drainPaper()
    }

    /// The live venue's reports from `start` on: an order it ended is cancelled on paper.
    private func follow(_ reports: [ExecutionReport], from start: Int) {
        guard !journal.stopped, start < reports.count else { return }
        for index in start..<reports.count {
            let kind = reports[index].report
            guard kind == .fill || kind == .cancelled || kind == .reject,
                let twin = workingIndex(reports[index].clientOrderId), !working[twin].cancelSent
            else { continue }
            cancelOnPaper(at: twin)
        }
        drainPaper()
    }

    private func cancelOnPaper(at index: Int) {
        working[index].cancelSent = true
        let cancel = OrderCommand(
            header: FrameHeader(
                type: .orderCommand, flags: .endOfMessage, instrument: instrument, receiveTimeNs: nowNs),
            command: .cancel, side: .buy, orderType: .postOnly, timeInForce: .goodTillCancel, clientOrderId: 0,
            origClientOrderId: working[index].id, price: 0, size: 0)
        journal.record(Frame(cancel))
        paper.submit(cancel, nowNs: nowNs, into: &paperReports)
    }

    /// The paper venue's reports to the shadow journal and its ledger.
    private func drainPaper() {
        guard !paperReports.isEmpty else { return }
        var filled = false
        for report in paperReports {
            journal.record(Frame(report))
            ledger.book(report)
            switch report.report {
            case .fill, .cancelled, .reject:
                if let index = workingIndex(report.clientOrderId) { working.remove(at: index) }
                filled = filled || report.report == .fill
            case .partialFill:
                filled = true
            case .ack, .adjustment:
                break
            }
        }
        paperReports.removeAll(keepingCapacity: true)
        if filled { recordPosition() }
    }

    /// Once a second of market time, as exec marks its own: the top and the shadow's position.
    private func mark() {
        nextMarkNs = (nowNs / 1_000_000_000 + 1) * 1_000_000_000
        guard var top = lastTop else { return }
        top.header.receiveTimeNs = nowNs
        top.header.sequence = 0
        journal.record(Frame(top))
        recordPosition()
    }

    private func recordPosition() {
        let (snapshot, money) = ledger.report(
            instrument: instrument, timeNs: nowNs, mark: lastTop.map(\.midPrice)
        ).frames
        journal.record(Frame(snapshot))
        journal.record(Frame(money))
    }

    private func workingIndex(_ id: UInt32) -> Int? {
        guard id != 0 else { return nil }
        return working.firstIndex { $0.id == id }
    }
}
