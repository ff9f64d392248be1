import IPC

/// A live run beside its shadow paper venue (`exec report JOURNAL --shadow SHADOW`): the two
/// journals read order by order — a live order's twin on paper has its client order id
/// (`ShadowedVenue`) — and, per instrument, what each venue filled: which orders filled on both,
/// which on one only, the lots, the average prices, the time from placement to first fill and
/// what the fills booked. How far to trust a backtest of the strategy, in figures.
struct ShadowComparison {
    /// One order, as one venue's journal tells it.
    struct Order {
        /// When its new or replace command left exec (market time).
        var placedNs: Int64
        var filledLots: Int128 = 0
        var firstFillNs: Int64?
        var rejected = false
    }

    /// One venue's orders of one instrument and the ledger of their fills.
    struct Book {
        var orders: [UInt32: Order] = [:]
        var ledger = PositionLedger()
        /// Σ price × lots of the fills on each side, in ticks × lots, and Σ lots (nil: past 128 bits).
        var buyNotional: Int128? = 0
        var buyLots: Int128 = 0
        var sellNotional: Int128? = 0
        var sellLots: Int128 = 0

        mutating func add(_ frame: Frame) {
            let time = frame.header.receiveTimeNs
            switch frame.header.messageType {
            case .orderCommand:
                let command = frame.as(OrderCommand.self)
                guard command.command != .cancel else { return }
                orders[command.clientOrderId] = Order(placedNs: time)
            case .executionReport:
                let report = frame.as(ExecutionReport.self)
                ledger.book(report)
                switch report.report {
                case .reject where report.clientOrderId != 0:
                    orders[report.clientOrderId]?.rejected = true
                case .fill, .partialFill:
                    guard report.size > 0 else { return }
                    orders[report.clientOrderId]?.filledLots += Int128(report.size)
                    if orders[report.clientOrderId]?.firstFillNs == nil {
                        orders[report.clientOrderId]?.firstFillNs = time
                    }
                    let notional = Int128(report.price).multipliedReportingOverflow(by: Int128(report.size))
                    if report.side == .buy {
                        buyNotional = ShadowComparison.sum(buyNotional, notional)
                        buyLots += Int128(report.size)
                    } else {
                        sellNotional = ShadowComparison.sum(sellNotional, notional)
                        sellLots += Int128(report.size)
                    }
                default:
                    break
                }
            default:
                break
            }
        }

        var filled: Set<UInt32> { Set(orders.filter { $0.value.filledLots > 0 }.keys) }
    }

    struct Instrumented {
        var instrument: Instrument?
        var live = Book()
        var paper = Book()
    }

    private(set) var instruments: [UInt32: Instrumented] = [:]

    static func sum(_ total: Int128?, _ add: (partialValue: Int128, overflow: Bool)) -> Int128? {
        guard let total, !add.overflow else { return nil }
        let (sum, overflow) = total.addingReportingOverflow(add.partialValue)
        return overflow ? nil : sum
    }

    /// A frame of the live run's journal (`live`) or of its shadow's.
    mutating func add(_ frame: Frame, live: Bool) {
        let id = frame.header.instrument
        var entry = instruments[id] ?? Instrumented()
        defer { instruments[id] = entry }
        if frame.header.messageType == .instrumentDefinition {
            if entry.instrument == nil { entry.instrument = try? frame.as(InstrumentDefinition.self).instrument() }
            return
        }
        if live { entry.live.add(frame) } else { entry.paper.add(frame) }
    }

    /// The comparison's rows: what, live, paper.
    func rows(_ id: UInt32) -> [(String, String, String)] {
        guard let entry = instruments[id] else { return [] }
        let instrument = entry.instrument
        let (live, paper) = (entry.live, entry.paper)
        let (liveFilled, paperFilled) = (live.filled, paper.filled)
        let both = liveFilled.intersection(paperFilled)
        func lots(_ value: Int128) -> String { instrument?.formatVolume(value) ?? "\(value)" }
        func money(_ value: Int128) -> String { instrument?.formatMoney(value) ?? "\(value)" }
        func average(_ notional: Int128?, _ lots: Int128) -> String {
            guard lots > 0 else { return "n/a" }
            guard let notional else { return "overflow" }
            let ticks = Double(notional) / Double(lots)
            guard let instrument else { return FixedDecimal.text(ticks, decimals: 2) }
            return FixedDecimal.text(ticks * instrument.tickSize, decimals: Int(instrument.tickDecimals) + 2)
        }
        func toFirstFill(_ book: Book, _ ids: Set<UInt32>, percentile: Double) -> String {
            let waits = ids.compactMap { id in
                book.orders[id].flatMap { order in order.firstFillNs.map { (Double($0) - Double(order.placedNs)) / 1e6 }
                }
            }.sorted()
            guard !waits.isEmpty else { return "n/a" }
            return FixedDecimal.text(waits[min(waits.count - 1, Int(Double(waits.count) * percentile))], decimals: 1)
        }
        func filledLots(_ book: Book, _ ids: Set<UInt32>) -> Int128 {
            ids.reduce(0) { $0 + (book.orders[$1]?.filledLots ?? 0) }
        }
        return [
            ("orders placed (new and replace)", "\(live.orders.count)", "\(paper.orders.count)"),
            ("orders filled, in part or in full", "\(liveFilled.count)", "\(paperFilled.count)"),
            ("orders filled on both", "\(both.count)", "\(both.count)"),
            (
                "orders filled here only", "\(liveFilled.subtracting(paperFilled).count)",
                "\(paperFilled.subtracting(liveFilled).count)"
            ),
            (
                "orders rejected", "\(live.orders.values.filter(\.rejected).count)",
                "\(paper.orders.values.filter(\.rejected).count)"
            ),
            ("lots filled", lots(live.buyLots + live.sellLots), lots(paper.buyLots + paper.sellLots)),
            ("lots filled, orders filled on both", lots(filledLots(live, both)), lots(filledLots(paper, both))),
            (
                "average buy price", average(live.buyNotional, live.buyLots),
                average(paper.buyNotional, paper.buyLots)
            ),
            (
                "average sell price", average(live.sellNotional, live.sellLots),
                average(paper.sellNotional, paper.sellLots)
            ),
            (
                "placement to first fill, median (ms)", toFirstFill(live, liveFilled, percentile: 0.5),
                toFirstFill(paper, paperFilled, percentile: 0.5)
            ),
            (
                "placement to first fill, 90th percentile (ms)", toFirstFill(live, liveFilled, percentile: 0.9),
                toFirstFill(paper, paperFilled, percentile: 0.9)
            ),
            (
                "placement to first fill, orders filled on both, median (ms)",
                toFirstFill(live, both, percentile: 0.5), toFirstFill(paper, both, percentile: 0.5)
            ),
            ("final position", lots(Int128(live.ledger.position)), lots(Int128(paper.ledger.position))),
            ("realized PnL", money(live.ledger.realizedPnl), money(paper.ledger.realizedPnl)),
            ("fees", money(live.ledger.fees), money(paper.ledger.fees))
        ]
    }

    /// The headline, one line: filled live, on paper, on both, on one only.
    func summary(_ id: UInt32) -> String? {
        guard let entry = instruments[id], !entry.live.orders.isEmpty || !entry.paper.orders.isEmpty else {
            return nil
        }
        let (live, paper) = (entry.live.filled, entry.paper.filled)
        return
            "\(entry.instrument?.symbol ?? "instrument \(id)"): \(entry.live.orders.count) orders placed live, "
            + "\(entry.paper.orders.count) on paper; filled \(live.count) live, \(paper.count) on paper, "
            + "\(live.intersection(paper).count) on both, \(live.subtracting(paper).count) live only, "
            + "\(paper.subtracting(live).count) on paper only"
    }

    /// The rows as an HTML table, for the report.
    func html(_ id: UInt32) -> String {
        let rows = rows(id)
        guard !rows.isEmpty else { return "" }
        var table = "<h3>Live against the shadow paper venue</h3>\n<table>\n<tr><td></td><td class=\"v\">live</td>"
        table += "<td class=\"v\">paper</td></tr>\n"
        for (label, live, paper) in rows {
            table += "<tr><td>\(label)</td><td class=\"v\">\(live)</td><td class=\"v\">\(paper)</td></tr>\n"
        }
        return table + "</table>\n"
    }
}
