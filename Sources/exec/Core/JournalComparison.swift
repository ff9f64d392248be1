import IPC

/// Runs side by side (`exec compare`, `./run.sh sweep`): each journal read as the report reads
/// it, one row per run and instrument traded — fills, volume, turnover, realized PnL, fees, total
/// PnL, max drawdown, final position — as CSV (money exact in the quote currency, sizes in the
/// base asset) and as an HTML table.
struct JournalComparison {
    struct Row: Equatable {
        let run: String
        let symbol: String
        let fills: UInt64
        let volume: String
        let turnover: String
        let realizedPnl: String
        let fees: String
        let totalPnl: String
        let maxDrawdown: String
        let finalPosition: String
    }

    private(set) var rows: [Row] = []

    static let header = "run,symbol,fills,volume,turnover,realized_pnl,fees,total_pnl,max_drawdown,final_position"

    /// The journal's instruments as rows of `run`; its damage, if any, for the caller to say.
    mutating func add(run: String, journal path: String) throws(Journal.JournalError) -> Journal.Scan {
        var report = JournalReport()
        let scan = try Journal.read(path) { frame, record in report.add(frame, record: record) }
        for (key, instrumentRun) in report.runs.sorted(by: { $0.key < $1.key })
        where instrumentRun.commands > 0 || instrumentRun.ledger.fills > 0 {
            let ledger = instrumentRun.ledger
            let instrument = instrumentRun.instrument
            func money(_ units: Int128) -> String { instrument?.formatMoney(units) ?? "\(units)" }
            rows.append(
                Row(
                    run: run, symbol: report.name(key, instrumentRun), fills: ledger.fills,
                    volume: instrument?.formatVolume(ledger.volume) ?? "\(ledger.volume)",
                    turnover: money(ledger.notional), realizedPnl: money(ledger.realizedPnl), fees: money(ledger.fees),
                    totalPnl: money(ledger.realizedPnl + instrumentRun.unrealizedPnl - ledger.fees),
                    maxDrawdown: FixedDecimal.text(instrumentRun.maxDrawdown, decimals: 6),
                    finalPosition: instrument?.formatSize(ledger.position) ?? "\(ledger.position)"))
        }
        return scan
    }

    /// The rows as CSV, the header first; a run's name quoted when it needs to be.
    var csv: String {
        ([JournalComparison.header]
            + rows.map {
                [
                    JournalComparison.csvField($0.run), JournalComparison.csvField($0.symbol), "\($0.fills)", $0.volume,
                    $0.turnover,
                    $0.realizedPnl, $0.fees, $0.totalPnl, $0.maxDrawdown, $0.finalPosition
                ].joined(separator: ",")
            }).joined(separator: "\n") + "\n"
    }

    func html(title: String) -> String {
        let columns = [
            "run", "symbol", "fills", "volume", "turnover", "realized PnL", "fees", "total PnL", "max drawdown",
            "final position"
        ]
        var page = """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>\(JournalReport.escape(title))</title>
            <style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}
            th,td{padding:2px 12px;border-bottom:1px solid #ddd}th{text-align:left}
            td.v{text-align:right;font-family:monospace}</style></head><body>
            <h1>\(JournalReport.escape(title))</h1>
            <p>Money in the quote currency (fees included in the total PnL; the drawdown from the
            PnL's peak); volume and position in the base asset.</p>
            <table>
            <tr>\(columns.map { "<th>\($0)</th>" }.joined())</tr>

            """
        for row in rows {
            let values = [
                "\(row.fills)", row.volume, row.turnover, row.realizedPnl, row.fees, row.totalPnl, row.maxDrawdown,
                row.finalPosition
            ]
            page +=
                "<tr><td>\(JournalReport.escape(row.run))</td><td>\(JournalReport.escape(row.symbol))</td>"
                + values.map { "<td class=\"v\">\($0)</td>" }.joined() + "</tr>\n"
        }
        return page + "</table>\n</body></html>\n"
    }

    /// A CSV field, quoted (its quotes doubled) when it holds a comma, a quote or a line break.
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
        return "\"" + text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}
