import IPC

/// What the runs before left in the journal exec continues (`--append`), per symbol: every fill
/// and adjustment, booked again so the position, PnL and fees carry on; the highest client order
/// id, so ids count on; and the orders still working when the journal ends (exec was killed
/// before their last report), with the lots booked as filled, for the venue to ask about.
///
/// By symbol, not instrument id: a restarted feed may number the instruments differently.
package struct JournalHistory {
    package struct WorkingOrder: Equatable {
        var command: OrderCommand
        var filledLots: Int64
    }

    struct Past {
        /// The instrument as the journal last defined it: fills in its ticks and lots.
        var instrument: Instrument?
        var fills: [ExecutionReport] = []
        var lastClientOrderId: UInt32 = 0
        var working: [WorkingOrder] = []
    }

    private(set) var bySymbol: [String: Past] = [:]

    package init() {}

    /// `symbol`'s past, handed over once (a symbol defined again starts afresh).
    mutating func take(_ symbol: String) -> Past { bySymbol.removeValue(forKey: symbol) ?? Past() }

    /// Reads `path` (which `Journal.open` then continues), in the journal's order: a symbol's
    /// fills stay in the order they were booked, whatever ids its instrument had.
    init(path: String) throws(Journal.JournalError) {
        var symbols: [UInt32: String] = [:]
        var pasts: [String: Past] = [:]
        var working: [String: [UInt32: WorkingOrder]] = [:]
        _ = try Journal.read(path) { frame, _ in
            let id = frame.header.instrument
            if frame.header.messageType == .instrumentDefinition {
                if let instrument = try? frame.as(InstrumentDefinition.self).instrument() {
                    symbols[id] = instrument.symbol
                    pasts[instrument.symbol, default: Past()].instrument = instrument
                }
                return
            }
            guard let symbol = symbols[id] else { return }
            switch frame.header.messageType {
            case .orderCommand:
                let command = frame.as(OrderCommand.self)
                pasts[symbol]!.lastClientOrderId = max(pasts[symbol]!.lastClientOrderId, command.clientOrderId)
                if command.command != .cancel {
                    working[symbol, default: [:]][command.clientOrderId] = WorkingOrder(
                        command: command, filledLots: 0)
                }
            case .executionReport:
                let report = frame.as(ExecutionReport.self)
                switch report.report {
                case .ack: break
                case .partialFill:
                    pasts[symbol]!.fills.append(report)
                    working[symbol]?[report.clientOrderId]?.filledLots += report.size
                case .fill:
                    pasts[symbol]!.fills.append(report)
                    working[symbol]?[report.clientOrderId] = nil
                case .cancelled, .reject:
                    working[symbol]?[report.clientOrderId] = nil
                case .adjustment:
                    pasts[symbol]!.fills.append(report)
                }
            default: break
            }
        }
        for (symbol, orders) in working {
            pasts[symbol]!.working = orders.values.sorted { $0.command.clientOrderId < $1.command.clientOrderId }
        }
        bySymbol = pasts
    }
}
