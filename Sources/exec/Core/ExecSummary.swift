import IPC

/// The line exec prints per instrument (and bot, with several) at the end (and every
/// `--summary-every` seconds): fills, volume, position, PnL and fees exactly in ticks × lots, and
/// in the quote currency for the reader.
enum ExecSummary {
    static func line(_ state: TradedInstrument, bots: Int = 1) -> String {
        let ledger = state.ledger
        let instrument = state.instrument
        // One tick × lot in the quote currency, for the reader: the books themselves stay exact.
        let unit = instrument.tickSize * instrument.lotSize
        func quote(_ units: Int128) -> String { "\((Double(units) * unit * 1e6).rounded() / 1e6)" }
        return
            "exec: \(state.name(bots: bots)): \(ledger.fills) fills, volume \(instrument.formatVolume(ledger.volume)), "
            + "position \(instrument.formatSize(ledger.position)), realized \(ledger.realizedPnl) and fees "
            + "\(ledger.fees) "
            + "ticks × lots (\(quote(ledger.realizedPnl)) and \(quote(ledger.fees)) in quote currency), "
            + "\(state.commandsSent) order commands"
            + (state.laddersRefused > 0 ? ", \(state.laddersRefused) quote ladders refused" : "")
            + (bots > 1 ? ", \(state.manager.selfTradesPrevented) orders held back from trading with another bot" : "")
    }
}
