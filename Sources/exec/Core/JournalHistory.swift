import IPC

/// What the runs before left in the journal exec continues (`--append`), per symbol: every fill,
/// booked again so the position, PnL and fees carry on; the highest client order id, so ids
/// count on; and the orders still working when the journal ends (exec was killed before their
/// last report), with the lots booked as filled, for the venue to ask about.
///
/// By symbol, not instrument id: a restarted feed may number the instruments differently.
struct JournalHistory {
    struct WorkingOrder: Equatable {
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
    /// Records read, and what the scan found damaged (kept, skipped, said by the journal's open).
    private(set) var records: UInt64 = 0

    init() {}

    /// `symbol`'s past, handed over once (a symbol defined again starts afresh).
    mutating func take(_ symbol: String) -> Past { bySymbol.removeValue(forKey: symbol) ?? Past() }

    /// Reads `path` (which `Journal.open` then continues).
    init(path: String) throws(Journal.JournalError) {
        var instruments: [UInt32: Instrument] = [:]
        var pasts: [UInt32: Past] = [:]
        var working: [UInt32: [UInt32: WorkingOrder]] = [:]
        var count: UInt64 = 0
        _ = try Journal.read(path) { frame, _ in
            count += 1
            let id = frame.header.instrument
            switch frame.header.messageType {
            case .instrumentDefinition:
                if let instrument = try? frame.as(InstrumentDefinition.self).instrument() {
                    instruments[id] = instrument
                }
            case .orderCommand:
                let command = frame.as(OrderCommand.self)
                pasts[id, default: Past()].lastClientOrderId = max(
                    pasts[id, default: Past()].lastClientOrderId, command.clientOrderId)
                if command.command != .cancel {
                    working[id, default: [:]][command.clientOrderId] = WorkingOrder(command: command, filledLots: 0)
                }
            case .executionReport:
                let report = frame.as(ExecutionReport.self)
                switch report.report {
                case .ack: break
                case .partialFill:
                    pasts[id, default: Past()].fills.append(report)
                    working[id, default: [:]][report.clientOrderId]?.filledLots += report.size
                case .fill:
                    pasts[id, default: Past()].fills.append(report)
                    working[id]?[report.clientOrderId] = nil
                case .cancelled, .reject:
                    working[id]?[report.clientOrderId] = nil
                }
            default: break
            }
        }
        records = count
        for (id, past) in pasts {
            guard let instrument = instruments[id] else { continue }
            var merged = bySymbol[instrument.symbol] ?? Past()
            merged.instrument = instrument
            merged.fills += past.fills
            merged.lastClientOrderId = max(merged.lastClientOrderId, past.lastClientOrderId)
            merged.working += (working[id] ?? [:]).values.sorted { $0.command.clientOrderId < $1.command.clientOrderId }
            bySymbol[instrument.symbol] = merged
        }
    }
}
