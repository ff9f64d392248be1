import BinanceAPI
import IPC

@testable import ExecCore

/// One text message from Binance's WebSocket API (an answer or a user-data event): it is read or
/// refused with a reason, and every range it hands out lies inside the message; an
/// `executionReport` is read as exec reads it, an answer as `order.status`, `myTrades`,
/// `openOrders.status` and `account.status` answers (balances summed as exec sums them), an event
/// as `outboundAccountPosition`, and an answer's `symbols` as exchange filters in BTCUSDT's ticks
/// and lots, checked against orders at the extremes without a trap. The same bytes are read as
/// a line of a live run's venue journal (as received, and as the line itself) by the report.
enum APIMessageTarget {
    static let instrument = try! Instrument(
        id: 1, symbol: "BTCUSDT", tickMantissa: 1, tickDecimals: 2, lotMantissa: 1, lotDecimals: 8,
        priceDisplayDecimals: 8, sizeDisplayDecimals: 8)

    static func run(_ input: UnsafeRawBufferPointer) {
        let bytes = input.bindMemory(to: UInt8.self)
        var trades = VenueJournalTrades()
        trades.add(bytes, line: 1)
        let line = Array(#"{"t_ns":1,"received":"#.utf8) + Array(bytes) + [0x7D]
        line.withUnsafeBufferPointer { trades.add($0, line: 2) }
        for symbol in trades.tradeIds.keys { _ = trades.commissionText(symbol) }
        guard let message = try? APIMessage(bytes) else { return }
        for range in [message.errorMessage, message.errorData, message.result, message.event, message.eventType] {
            inside(range, bytes)
        }
        guard message.rateLimits.count <= RateLimitReadings.capacity, message.isEvent || message.status != 0 else {
            fatalError("a message neither an answer nor an event was accepted")
        }
        _ = WebSocketAPISession.describe(message, bytes)
        if let event = message.event, let report = try? ExecutionReportEvent(bytes, event) {
            for range in [
                report.symbol, report.clientOrderId, report.origClientOrderId, report.side, report.executionType,
                report.orderStatus, report.rejectReason, report.price, report.quantity, report.lastQuantity,
                report.cumulativeQuantity, report.lastPrice, report.commission, report.commissionAsset
            ] {
                inside(range, bytes)
            }
        }
        if let result = message.result {
            if let answer = try? OrderStatusAnswer(bytes, result) {
                for range in [answer.status, answer.executedQuantity] { inside(range, bytes) }
            }
            try? AccountTrade.read(bytes, result) { trade in
                for range in [trade.price, trade.quantity, trade.commission, trade.commissionAsset] {
                    inside(range, bytes)
                }
            }
            try? OpenOrder.read(bytes, result) { inside($0.clientOrderId, bytes) }
            _ = try? AccountBalance.readAccountStatus(bytes, result) { balance($0, bytes) }
        }
        if let event = message.event {
            _ = try? AccountBalance.readAccountPosition(bytes, event) { balance($0, bytes) }
        }
        if let result = message.result, let symbols = try? SymbolRules.read(bytes, result) {
            for rules in symbols {
                guard let filters = try? ExchangeFilters(rules, instrument: instrument) else { continue }
                for (price, size, reference) in [(1, 1, 1), (Int64.max, Int64.max, Int64.max), (0, 0, nil)]
                    as [(Int64, Int64, Int64?)]
                {
                    for side in [Side.buy, .sell] {
                        for market in [false, true] {
                            _ = filters.refusal(
                                side: side, market: market, price: price, size: size, reference: reference,
                                openOrders: Int.max)
                        }
                    }
                }
            }
        }
    }

    /// A balance's ranges inside the message, its amounts read as exec reads them.
    static func balance(_ balance: AccountBalance, _ bytes: UnsafeBufferPointer<UInt8>) {
        for range in [balance.asset, balance.free, balance.locked] { inside(range, bytes) }
        _ = AccountBalance.attoUnits(bytes, balance.free).map {
            $0 + (AccountBalance.attoUnits(bytes, balance.locked) ?? 0)
        }
    }

    static func inside(_ range: Range<Int>?, _ bytes: UnsafeBufferPointer<UInt8>) {
        guard let range else { return }
        guard range.lowerBound >= 0, range.upperBound <= bytes.count else {
            fatalError("a range \(range) outside the message's \(bytes.count) bytes")
        }
    }
}
