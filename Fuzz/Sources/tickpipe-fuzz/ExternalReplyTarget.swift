import IPC

@testable import SignalCore

/// One reply line of an external strategy (docs/external.md), read as signal reads it, against
/// two instruments (a 0.01 tick and a 10^-8 lot; a 0.5 tick and a lot of 5): refused with a
/// reason, or applied whole, and then every quote, ladder, order and timer it left is one the
/// wire can carry.
enum ExternalReplyTarget {
    static let instruments = [
        try! Instrument(
            id: 1, symbol: "BTCUSDT", tickMantissa: 1, tickDecimals: 2, lotMantissa: 1, lotDecimals: 8,
            priceDisplayDecimals: 8, sizeDisplayDecimals: 8),
        try! Instrument(
            id: 2, symbol: "HALFTICK", tickMantissa: 5, tickDecimals: 1, lotMantissa: 5, lotDecimals: 0,
            priceDisplayDecimals: 1, sizeDisplayDecimals: 0)
    ]

    static func run(_ input: UnsafeRawBufferPointer) {
        var context = StrategyContext(bookLevels: 0)
        for instrument in instruments {
            context.instruments.set(
                instrument.id, QuotedInstrument(instrument: instrument, quoteSize: 1, maxPosition: 10))
        }
        do {
            try ExternalCommandReader.apply(input.bindMemory(to: UInt8.self), to: &context)
        } catch {
            guard error.offset >= 0, error.offset <= input.count, !error.message.isEmpty else {
                fatalError("a refusal at byte \(error.offset) of \(input.count): '\(error.message)'")
            }
            guard context.pendingQuotes.isEmpty, context.pendingOrders.isEmpty, context.nextTimerNs == .max else {
                fatalError("a refused line was applied in part")
            }
            return
        }
        for id in context.pendingQuotes {
            let quoted = context.instruments[id]
            switch quoted.asked {
            case .quote:
                let quote = quoted.desired
                for (price, size) in [(quote.bidPrice, quote.bidSize), (quote.askPrice, quote.askSize)] where size != 0
                {
                    guard price > 0, size > 0, price <= FrameLayout.maxQuantity, size <= FrameLayout.maxQuantity else {
                        fatalError("a quote the wire cannot carry: \(quote)")
                    }
                }
            case .ladder:
                guard quoted.desiredLadder.defect == nil else { fatalError("a ladder with a defect was accepted") }
            case .nothing:
                fatalError("a pending quote asked for nothing")
            }
        }
        for order in context.pendingOrders {
            guard order.size > 0, order.size <= FrameLayout.maxQuantity, (order.price ?? 1) > 0 else {
                fatalError("an order the wire cannot carry: \(order.size) at \(String(describing: order.price))")
            }
        }
    }
}
