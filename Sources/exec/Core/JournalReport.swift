import IPC

/// A run's report, rebuilt from its journal alone (`exec report JOURNAL > report.html`): per
/// instrument (and bot, with several: then a table of the bots together too) a metrics table and
/// four inline SVG charts — the mid with our order prices and
/// fills, the spread, the inventory and the PnL curve — over the run's time (the mids and
/// spreads from the book tops exec journals once a second). Every figure comes from booking the
/// journal's fills again in a `PositionLedger`, so the report and the journal cannot disagree.
struct JournalReport {
    struct Point {
        var timeNs: Int64
        var value: Double
    }

    struct InstrumentRun {
        var instrument: Instrument?
        var ledger = PositionLedger()
        /// New and replace commands: each puts an order on the book.
        var placedOrders: UInt64 = 0
        var commands: UInt64 = 0
        var rejects: UInt64 = 0
        var maxPosition: Int64 = 0
        /// The last unrealized PnL exec reported (at its mark), in ticks × lots.
        var unrealizedPnl: Int128 = 0
        /// Our orders' distance from the mid when placed, bps (Σ and count), bids and asks.
        var bidDistanceBps = (sum: 0.0, count: 0)
        var askDistanceBps = (sum: 0.0, count: 0)
        var peakPnl = 0.0
        var maxDrawdown = 0.0
        var bids: [Point] = []
        var asks: [Point] = []
        var buys: [Point] = []
        var sells: [Point] = []
        var inventory: [Point] = []
        var pnl: [Point] = []
    }

    /// An instrument's market, as exec journaled it once a second: the mids and spreads.
    struct Market {
        var mids: [Point] = []
        var spreads: [Point] = []
    }

    /// Each bot's run on each instrument, by `Instrument.accountSlot`: in order, bot by bot.
    private(set) var runs: [Int: InstrumentRun] = [:]
    private(set) var markets: [UInt32: Market] = [:]
    private var instruments: [UInt32: Instrument] = [:]
    /// The bots whose records the journal holds (1 + the highest bot).
    private(set) var bots = 1
    /// The bots' names (`exec report --bot-name K=NAME`), for the headings.
    var botNames: [Int: String] = [:]

    private(set) var firstTimeNs: Int64?
    private var positions = PositionReportReader()

    /// The run's venue journal, read (`exec report --venue-journal`): commissions by asset.
    var venueTrades: VenueJournalTrades?
    /// The run beside its shadow paper venue's (`exec report --shadow`).
    var shadow: ShadowComparison?

    /// Takes in journal record `record`.
    mutating func add(_ frame: Frame, record: UInt64) {
        let header = frame.header
        let time = header.receiveTimeNs
        if firstTimeNs == nil, time > 0 { firstTimeNs = time }
        switch header.messageType {
        case .instrumentDefinition:
            guard let instrument = try? frame.as(InstrumentDefinition.self).instrument() else { return }
            instruments[header.instrument] = instrument
            for key in runs.keys where Instrument.account(ofSlot: key).id == header.instrument {
                runs[key]!.instrument = instrument
            }
            return
        case .bookTop:
            let top = frame.as(BookTop.self)
            guard top.isValid else { return }
            let instrument = instruments[header.instrument]
            let price = { (ticks: Int64) in instrument.map { Double(ticks) * $0.tickSize } ?? Double(ticks) }
            markets[header.instrument, default: Market()].mids.append(
                Point(timeNs: time, value: (price(top.bidPrice) + price(top.askPrice)) / 2))
            markets[header.instrument, default: Market()].spreads.append(
                Point(timeNs: time, value: price(top.askPrice) - price(top.bidPrice)))
            return
        case .orderCommand, .executionReport, .positionSnapshot, .positionPnl:
            break
        default:
            return
        }
        let key = Instrument.accountSlot(bot: Int(header.bot), id: Int(header.instrument))
        bots = max(bots, Int(header.bot) + 1)
        var run = runs[key] ?? InstrumentRun(instrument: instruments[header.instrument])
        defer { runs[key] = run }
        let price = { (ticks: Int64) in run.instrument.map { Double(ticks) * $0.tickSize } ?? Double(ticks) }
        let size = { (lots: Int64) in run.instrument.map { Double(lots) * $0.lotSize } ?? Double(lots) }
        switch header.messageType {
        case .orderCommand:
            let order = frame.as(OrderCommand.self)
            run.commands += 1
            guard order.command != .cancel else { break }
            run.placedOrders += 1
            let point = Point(timeNs: time, value: price(order.price))
            if order.side == .buy { run.bids.append(point) } else { run.asks.append(point) }
            // A limit order's distance from the last mid (a market order has no price).
            if let mid = markets[header.instrument]?.mids.last?.value, mid > 0, order.price > 0 {
                let bps = (order.side == .buy ? mid - point.value : point.value - mid) / mid * 10_000
                if order.side == .buy {
                    run.bidDistanceBps = (run.bidDistanceBps.sum + bps, run.bidDistanceBps.count + 1)
                } else {
                    run.askDistanceBps = (run.askDistanceBps.sum + bps, run.askDistanceBps.count + 1)
                }
            }
        case .executionReport:
            let report = frame.as(ExecutionReport.self)
            if report.report == .reject { run.rejects += 1 }
            run.ledger.book(report)
            run.maxPosition = max(run.maxPosition, abs(run.ledger.position))
            guard report.report == .fill || report.report == .partialFill else { break }
            let point = Point(timeNs: time, value: price(report.price))
            if report.side == .buy { run.buys.append(point) } else { run.sells.append(point) }
        case .positionSnapshot, .positionPnl:
            guard let snapshot = positions.add(frame, at: record) else { break }
            run.unrealizedPnl = snapshot.unrealizedPnl
            let unit = run.instrument.map { $0.tickSize * $0.lotSize } ?? 1
            let total = Double(run.ledger.realizedPnl + snapshot.unrealizedPnl - run.ledger.fees) * unit
            run.peakPnl = max(run.peakPnl, total)
            run.maxDrawdown = max(run.maxDrawdown, run.peakPnl - total)
            run.inventory.append(Point(timeNs: time, value: size(run.ledger.position)))
            run.pnl.append(Point(timeNs: time, value: total))
        default:
            break
        }
    }

    /// The metrics, in order, as label and value: also what the tests compare with the journal.
    func metrics(_ run: InstrumentRun) -> [(String, String)] {
        let ledger = run.ledger
        func quote(_ units: Int128) -> String { run.instrument?.formatMoney(units) ?? "\(units)" }
        func lots(_ value: Int64) -> String { run.instrument?.formatSize(value) ?? "\(value)" }
        let fillRatio = run.placedOrders == 0 ? 0 : Double(ledger.fills) / Double(run.placedOrders)
        return [
            ("fills", "\(ledger.fills)"),
            ("orders placed (new and replace)", "\(run.placedOrders)"),
            ("fill ratio (fills / orders placed)", format(fillRatio)),
            ("order commands", "\(run.commands)"),
            ("rejects", "\(run.rejects)"),
            ("turnover (volume)", run.instrument?.formatVolume(ledger.volume) ?? "\(ledger.volume)"),
            ("max position", lots(run.maxPosition)),
            ("final position", lots(ledger.position)),
            ("realized PnL (ticks × lots)", "\(ledger.realizedPnl)"),
            ("fees (ticks × lots)", "\(ledger.fees)"),
            ("realized PnL", quote(ledger.realizedPnl)),
            ("fees", quote(ledger.fees)),
            ("unrealized PnL (exec's last mark)", quote(run.unrealizedPnl)),
            ("total PnL", quote(ledger.realizedPnl + run.unrealizedPnl - ledger.fees)),
            ("max drawdown", format(run.maxDrawdown)),
            ("our orders from the mid when placed, mean bps: bids / asks", distances(run)),
            ("PnL per hour of market time", perHour(run.pnl).map { format($0) } ?? "n/a"),
            ("Sharpe (1 s PnL changes, annualized)", sharpeText(run.pnl))
        ] + (ledger.adjustments > 0 ? [("position adjustments (the venue's balance)", "\(ledger.adjustments)")] : [])
            + venueMetrics(run)
    }

    /// A live run's venue journal (`venueTrades`): the venue's trades of the symbol, and what it
    /// charged, asset by asset.
    private func venueMetrics(_ run: InstrumentRun) -> [(String, String)] {
        guard let venueTrades, let symbol = run.instrument?.symbol else { return [] }
        return [
            ("trades at the venue", "\(venueTrades.tradeIds[symbol]?.count ?? 0)"),
            ("commissions at the venue, by asset", venueTrades.commissionText(symbol))
        ]
    }

    /// "1.25 / 1.40": how far, on average, our bids were under the mid and our asks over it when
    /// placed, in basis points of the mid (negative: through it).
    func distances(_ run: InstrumentRun) -> String {
        func mean(_ side: (sum: Double, count: Int)) -> String {
            side.count > 0 ? format(side.sum / Double(side.count), 2) : "n/a"
        }
        return "\(mean(run.bidDistanceBps)) / \(mean(run.askDistanceBps))"
    }

    /// A day of market time: an annualized Sharpe from less would mostly be noise (a 20 s run's
    /// came out at 2145).
    static var sharpeMinimumNs: Int64 { 86_400_000_000_000 }

    /// The Sharpe ratio where the curve spans a day or more; else why not.
    func sharpeText(_ pnl: [Point]) -> String {
        let spanNs = (pnl.last?.timeNs ?? 0) - (pnl.first?.timeNs ?? 0)
        guard spanNs >= JournalReport.sharpeMinimumNs else {
            return "n/a: \(format(Double(spanNs) / 3.6e12, 3)) h of PnL, shown from 24 h (see PnL per hour)"
        }
        return sharpe(pnl).map { format($0, 3) } ?? "n/a"
    }

    /// The last PnL over the hours the curve spans; nil for a curve of no time.
    func perHour(_ pnl: [Point]) -> Double? {
        guard let first = pnl.first, let last = pnl.last, last.timeNs > first.timeNs else { return nil }
        return last.value / (Double(last.timeNs - first.timeNs) / 3.6e12)
    }

    /// The PnL curve read once a second (its last value by then), its changes' mean over their
    /// standard deviation, × √(seconds in a year); nil with fewer than two changes or none varying.
    func sharpe(_ pnl: [Point]) -> Double? {
        guard let first = pnl.first, let last = pnl.last else { return nil }
        var samples: [Double] = []
        var index = 0
        var previous = 0.0
        var second = first.timeNs
        while second <= last.timeNs + 1_000_000_000 {
            while index < pnl.count && pnl[index].timeNs <= second {
                previous = pnl[index].value
                index += 1
            }
            samples.append(previous)
            second += 1_000_000_000
        }
        let deltas = zip(samples.dropFirst(), samples).map { $0 - $1 }
        guard deltas.count >= 2 else { return nil }
        let mean = deltas.reduce(0, +) / Double(deltas.count)
        let variance = deltas.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(deltas.count - 1)
        guard variance > 0 else { return nil }
        return mean / variance.squareRoot() * (365.0 * 86_400).squareRoot()
    }

    func html(title: String) -> String {
        var page = """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>\(JournalReport.escape(title))</title>
            <style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}
            td{padding:2px 12px;border-bottom:1px solid #ddd}td.v{text-align:right;font-family:monospace}
            svg{background:#fafafa;border:1px solid #ddd;margin:6px 0}</style></head><body>
            <h1>\(JournalReport.escape(title))</h1>

            """
        if bots > 1 { page += together() }
        for (key, run) in runs.sorted(by: { $0.key < $1.key }) where run.commands > 0 || run.ledger.fills > 0 {
            let id = UInt32(Instrument.account(ofSlot: key).id)
            let market = markets[id] ?? Market()
            let (base, quote) = AssetNames(symbol: run.instrument?.symbol ?? "").pair
            page += "<h2>\(JournalReport.escape(name(key, run)))</h2>\n"
            page += "<p>Money in \(quote), the quote currency; sizes and positions in \(base).</p>\n<table>\n"
            for (label, value) in metrics(run) { page += "<tr><td>\(label)</td><td class=\"v\">\(value)</td></tr>\n" }
            page += "</table>\n"
            if let shadow { page += shadow.html(id) }
            // One time axis for the instrument's charts.
            let times = [run.bids, run.asks, run.buys, run.sells, market.mids, market.spreads, run.inventory, run.pnl]
                .flatMap { $0.map(\.timeNs) }
            let time = (times.min() ?? 0)...(times.max() ?? 0)
            page += chart(
                "Mid, our bids and asks, our fills", unit: "price, \(quote)", time: time,
                [
                    Series(name: "mid", points: market.mids, color: "#999", dots: false),
                    Series(name: "our bid", points: run.bids, color: "#2a7", dots: false),
                    Series(name: "our ask", points: run.asks, color: "#c33", dots: false),
                    Series(name: "we bought", points: run.buys, color: "#063", dots: true),
                    Series(name: "we sold", points: run.sells, color: "#700", dots: true)
                ])
            page += chart(
                "Spread (once a second)", unit: quote, time: time,
                [Series(name: "best ask − best bid", points: market.spreads, color: "#d80", dots: false)])
            page += chart(
                "Inventory", unit: base, time: time,
                [Series(name: "position", points: run.inventory, color: "#36c", dots: false)])
            page += chart(
                "PnL", unit: quote, time: time,
                [Series(name: "realized + unrealized − fees", points: run.pnl, color: "#939", dots: false)])
        }
        return page + "</body></html>\n"
    }

    /// A run's heading: its symbol, and its bot (by name, if given) with several.
    func name(_ key: Int, _ run: InstrumentRun) -> String {
        let (bot, id) = Instrument.account(ofSlot: key)
        let symbol = run.instrument?.symbol ?? "instrument \(id)"
        guard bots > 1 else { return symbol }
        return "\(symbol), bot \(bot)" + (botNames[bot].map { " (\($0))" } ?? "")
    }

    /// The bots together, per instrument: what each account holds, summed (each bot's PnL is its
    /// own account's; the venue saw their orders apart).
    func together() -> String {
        var page = "<h2>All bots</h2>\n<table>\n<tr><td>instrument</td><td>bot</td><td class=\"v\">fills</td>"
        page += "<td class=\"v\">turnover (volume)</td><td class=\"v\">final position</td>"
        page += "<td class=\"v\">realized PnL</td><td class=\"v\">fees</td><td class=\"v\">total PnL</td></tr>\n"
        let ids = Set(runs.keys.map { UInt32(Instrument.account(ofSlot: $0).id) }).sorted()
        for id in ids {
            let instrument = instruments[id]
            func money(_ units: Int128) -> String { instrument?.formatMoney(units) ?? "\(units)" }
            func row(
                _ bot: String, _ fills: UInt64, _ volume: Int128, _ position: Int128, _ realized: Int128,
                _ fees: Int128, _ unrealized: Int128
            ) -> String {
                let cells = [
                    "\(fills)", instrument?.formatVolume(volume) ?? "\(volume)",
                    instrument?.formatVolume(position) ?? "\(position)", money(realized), money(fees),
                    money(realized + unrealized - fees)
                ]
                return "<tr><td>\(JournalReport.escape(instrument?.symbol ?? "instrument \(id)"))</td><td>\(bot)</td>"
                    + cells.map { "<td class=\"v\">\($0)</td>" }.joined() + "</tr>\n"
            }
            // 128 bits: 16 bots' positions of up to 2^63 lots pass 64.
            var sum = (
                fills: UInt64(0), volume: Int128(0), position: Int128(0), realized: Int128(0), fees: Int128(0),
                unrealized: Int128(0)
            )
            for (key, run) in runs.sorted(by: { $0.key < $1.key }) where Instrument.account(ofSlot: key).id == id {
                let ledger = run.ledger
                let bot = Instrument.account(ofSlot: key).bot
                page += row(
                    "\(bot)" + (botNames[bot].map { " (\(JournalReport.escape($0)))" } ?? ""), ledger.fills,
                    ledger.volume, Int128(ledger.position), ledger.realizedPnl, ledger.fees, run.unrealizedPnl)
                sum = (
                    sum.fills + ledger.fills, sum.volume + ledger.volume, sum.position + Int128(ledger.position),
                    sum.realized + ledger.realizedPnl, sum.fees + ledger.fees, sum.unrealized + run.unrealizedPnl
                )
            }
            page += row("all", sum.fills, sum.volume, sum.position, sum.realized, sum.fees, sum.unrealized)
        }
        return page + "</table>\n"
    }

    struct Series {
        var name: String
        var points: [Point]
        var color: String
        var dots: Bool
    }

    static let width = 900.0, height = 220.0, margin = 64.0

    /// One SVG chart over `time`, every series on the same value axis (in `unit`); lines are
    /// steps (a value holds until the next one). Gridlines at five values and at five times, the
    /// times in UTC (the date under the first); a legend names each series.
    private func chart(_ title: String, unit: String, time: ClosedRange<Int64>, _ series: [Series]) -> String {
        let all = series.flatMap(\.points)
        guard let low = all.map(\.value).min(), let high = all.map(\.value).max() else {
            return "<h3>\(JournalReport.escape(title))</h3><p>nothing recorded</p>\n"
        }
        let (w, h, m) = (Self.width, Self.height, Self.margin)
        let span = Double(max(time.upperBound - time.lowerBound, 1))
        let range = high > low ? high - low : 1
        func x(_ point: Point) -> String { format(m + Double(point.timeNs - time.lowerBound) / span * (w - 2 * m), 1) }
        func y(_ value: Double) -> String { format(h - m / 2 - (value - low) / range * (h - m), 1) }
        var svg =
            "<h3>\(JournalReport.escape(title))</h3>\n<svg "
            + "xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\">\n"
        let grid = "stroke=\"#ddd\" stroke-width=\"1\""
        for step in 0...4 {
            let value = low + range * Double(step) / 4
            svg += "<line x1=\"\(Int(m))\" x2=\"\(Int(w - m))\" y1=\"\(y(value))\" y2=\"\(y(value))\" \(grid)/>"
            svg +=
                "<text x=\"\(Int(m - 4))\" y=\"\(y(value))\" font-size=\"10\" text-anchor=\"end\">"
                + "\(format(value, range >= 100 ? 0 : range >= 1 ? 2 : 6))</text>"
            let at = time.lowerBound + Int64(Double(step) / 4 * span)
            let xAt = x(Point(timeNs: at, value: 0))
            svg += "<line x1=\"\(xAt)\" x2=\"\(xAt)\" y1=\"\(y(high))\" y2=\"\(y(low))\" \(grid)/>"
            let (date, clock) = UTCTime(ns: at).text
            svg += "<text x=\"\(xAt)\" y=\"\(Int(h - 14))\" font-size=\"10\" text-anchor=\"middle\">\(clock)</text>"
            if step == 0 { svg += "<text x=\"\(xAt)\" y=\"\(Int(h - 3))\" font-size=\"10\">\(date) UTC</text>" }
        }
        svg +=
            "<text x=\"4\" y=\"12\" font-size=\"11\">\(JournalReport.escape(unit))</text>"
            + "<text x=\"\(Int(w - m))\" y=\"\(Int(h - 3))\" font-size=\"10\" text-anchor=\"end\">time (UTC), "
            + "\(format(span / 1e9, 1)) s in all</text>\n"
        var legendX = 20 + 7 * Double(unit.count)
        for line in series {
            svg +=
                "<rect x=\"\(Int(legendX))\" y=\"4\" width=\"10\" height=\"10\" fill=\"\(line.color)\"/>"
                + "<text x=\"\(Int(legendX + 14))\" y=\"13\" font-size=\"11\">\(JournalReport.escape(line.name))</text>"
            legendX += 24 + 7 * Double(line.name.count)
        }
        svg += "\n"
        for line in series where !line.points.isEmpty {
            // At most ~2000 points a series: enough for the eye, small enough for the browser.
            let step = max(1, line.points.count / 2_000)
            let sampled = stride(from: 0, to: line.points.count, by: step).map { line.points[$0] }
            if line.dots {
                for point in sampled {
                    svg += "<circle cx=\"\(x(point))\" cy=\"\(y(point.value))\" r=\"2.5\" fill=\"\(line.color)\"/>"
                }
                svg += "\n"
            } else {
                var steps: [String] = []
                for (index, point) in sampled.enumerated() {
                    if index > 0 { steps.append("\(x(point)),\(y(sampled[index - 1].value))") }
                    steps.append("\(x(point)),\(y(point.value))")
                }
                let points = steps.joined(separator: " ")
                svg += "<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"1.2\" points=\"\(points)\"/>\n"
            }
        }
        return svg + "</svg>\n"
    }

    static func escape(_ text: String) -> String {
        text.replacingAll("&", "&amp;").replacingAll("<", "&lt;").replacingAll(">", "&gt;")
    }

    private func format(_ value: Double, _ decimals: Int = 6) -> String { FixedDecimal.text(value, decimals: decimals) }
}

extension String {
    fileprivate func replacingAll(_ target: Character, _ replacement: String) -> String {
        var result = ""
        for character in self { if character == target { result += replacement } else { result.append(character) } }
        return result
    }
}
