import IPC

/// A journal as CSV, one line per intact record, for spreadsheets and PostgreSQL's `COPY`.
/// Prices and sizes are printed in the venue's precision when the instrument is known (from an
/// instrument definition recorded in the journal), else as ticks and lots. Money (fees, PnL) is
/// in ticks × lots, up to 39 digits: PostgreSQL's `numeric` holds it.
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

    static let header =
        "record,type,instrument,receive_time_ns,event_time_ns,command_or_report,side,order_type,time_in_force,client_o"
        + "rder_id,orig_client_order_id,reject_reason,price,size,fee,position,realized_pnl,unrealized_pnl,fees"

    /// Instruments from the journal's definitions: prices and sizes print in their precision.
    private var instruments: [UInt32: Instrument] = [:]
    private var positions = PositionReportReader()

    init() {}

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
        func price(_ ticks: Int64) -> String { instrument?.formatPrice(ticks) ?? "\(ticks)" }
        func size(_ lots: Int64) -> String { instrument?.formatSize(lots) ?? "\(lots)" }
        func prefix(_ record: UInt64, _ type: String) -> String {
            "\(record),\(type),\(instrument?.symbol ?? "\(header.instrument)"),\(header.receiveTimeNs),"
                + "\(header.eventTimeNs)"
        }
        switch header.messageType {
        case .orderCommand:
            let order = frame.as(OrderCommand.self)
            return prefix(record, "orderCommand")
                + ",\(order.command),\(order.side),\(order.orderType),\(order.timeInForce),\(order.clientOrderId),"
                + "\(order.origClientOrderId),,\(price(order.price)),\(size(order.size)),,,,,"
        case .executionReport:
            let report = frame.as(ExecutionReport.self)
            return prefix(record, "executionReport")
                + ",\(report.report),\(report.side),,,\(report.clientOrderId),,\(report.rejectReason),"
                + "\(price(report.price)),\(size(report.size)),\(report.fee),,,,"
        case .positionSnapshot, .positionPnl:
            guard let report = positions.add(frame, at: record) else { return nil }
            return prefix(record - 1, "positionSnapshot")
                + ",,,,,,,,,,,\(size(report.position)),\(report.realizedPnl),\(report.unrealizedPnl),\(report.fees)"
        default:
            return nil
        }
    }
}
