import IPC

/// A journal as CSV, one line per intact record, for spreadsheets and PostgreSQL's `COPY`.
/// Each quantity twice: as a decimal in the venue's units (prices and fees in the quote currency,
/// sizes in the base asset) when the instrument is known from a definition recorded in the
/// journal, and as the exact integer the frames carry (ticks, lots, ticks × lots for money, up to
/// 39 digits: PostgreSQL's `numeric` holds it). The instrument's tick and lot head every row; with
/// several bots, a `bot` column follows the instrument (with one, it would always be 0).
struct JournalCSV {
    /// Which records become rows: all of them, our order commands, or fills (full and partial).
    /// One header for all, so the three load into tables of one shape.
    enum Rows: String, CaseIterable {
        case all, orders, fills

        func includes(_ frame: Frame) -> Bool {
            switch self {
            case .all: return true
            case .orders: return frame.header.messageType == .orderCommand
            case .fills:
                guard frame.header.messageType == .executionReport else { return false }
                let report = frame.as(ExecutionReport.self).report
                return report == .fill || report == .partialFill
            }
        }
    }

    /// The header for a journal of `bots` bots.
    static func headerFor(bots: Int) -> String { "record,type,instrument," + (bots > 1 ? "bot," : "") + columns }

    static var header: String { headerFor(bots: 1) }

    /// The columns after the instrument (and the bot).
    private static let columns =
        "tick,lot,receive_time_ns,event_time_ns,command_or_report,side,order_type,time_in_force,"
        + "client_order_id,orig_client_order_id,reject_reason,price,price_ticks,size,size_lots,fee,fee_ticks_lots,"
        + "position,position_lots,realized_pnl,realized_pnl_ticks_lots,unrealized_pnl,unrealized_pnl_ticks_lots,fees,"
        + "fees_ticks_lots"

    /// Instruments from the journal's definitions: prices and sizes print in their precision.
    private var instruments: [UInt32: Instrument] = [:]
    private var positions = PositionReportReader()
    /// The bots the journal holds (`Journal.bots`): a bot column with several.
    let bots: Int

    init(bots: Int = 1) { self.bots = bots }

    /// The row of journal record `record`, or nil: instrument definitions and book tops are
    /// context, not rows, and a position snapshot is one row, printed with its second frame
    /// (under its first frame's record number).
    mutating func line(_ frame: Frame, record: UInt64) -> String? {
        let header = frame.header
        if header.messageType == .instrumentDefinition,
            let instrument = try? frame.as(InstrumentDefinition.self).instrument()
        {
            instruments[instrument.id] = instrument
        }
        let instrument = instruments[header.instrument]
        // A quantity's decimal (empty for an instrument never defined), then its integer.
        func price(_ ticks: Int64) -> String { "\(instrument?.formatPrice(ticks) ?? ""),\(ticks)" }
        func size(_ lots: Int64) -> String { "\(instrument?.formatSize(lots) ?? ""),\(lots)" }
        func money(_ units: Int128) -> String { "\(instrument?.formatMoney(units) ?? ""),\(units)" }
        func prefix(_ record: UInt64, _ type: String) -> String {
            let increments =
                instrument.map {
                    "\($0.tickText),\($0.lotText)"
                } ?? ","
            return "\(record),\(type),\(instrument?.symbol ?? "\(header.instrument)"),"
                + (bots > 1 ? "\(header.bot)," : "") + "\(increments),"
                + "\(header.receiveTimeNs),\(header.eventTimeNs)"
        }
        switch header.messageType {
        case .orderCommand:
            let order = frame.as(OrderCommand.self)
            return prefix(record, "orderCommand")
                + ",\(order.command),\(order.side),\(order.orderType),\(order.timeInForce),\(order.clientOrderId),"
                + "\(order.origClientOrderId),,\(price(order.price)),\(size(order.size)),,,,,,,,,,"
        case .executionReport:
            let report = frame.as(ExecutionReport.self)
            return prefix(record, "executionReport")
                + ",\(report.report),\(report.side),,,\(report.clientOrderId),,\(report.rejectReason),"
                + "\(price(report.price)),\(size(report.size)),\(money(Int128(report.fee))),,,,,,,,"
        case .positionSnapshot, .positionPnl:
            guard let report = positions.add(frame, at: record) else { return nil }
            return prefix(record - 1, "positionSnapshot")
                + ",,,,,,,,,,,,,,\(size(report.position)),\(money(report.realizedPnl)),\(money(report.unrealizedPnl)),"
                + "\(money(report.fees))"
        default:
            return nil
        }
    }
}
