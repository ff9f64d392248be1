import BinanceAPI
import IPC
import Network

/// One instrument on Binance spot, behind the `Venue` protocol: the order manager's commands go
/// out as WebSocket API requests on the connection shared by every instrument (never blocking
/// the duty cycle), and the venue's answers and user data events come back as execution
/// reports, each once (docs/live-trading.md):
///
/// - new → `order.place`: LIMIT_MAKER for post-only, LIMIT with its time in force, MARKET;
///   replace → `order.cancelReplace` (STOP_ON_FAILURE: the new order only if the cancel
///   succeeded), or `order.amend.keepPriority` for a smaller size at the same price (the order
///   keeps its queue place); cancel → `order.cancel`.
/// - Before sending, the symbol's exchange filters: an order the venue would refuse is refused
///   here, with the filter's words. Until the filters and the start's reconciliation are in,
///   and while the session is down, new orders are refused (`venueError`); cancels wait.
/// - A request with no answer (the connection lost, `-1007`, a 5xx) leaves its order unknown:
///   `order.status` resolves it once the session is back, and `myTrades` books the fills the
///   lost connection hid. Nothing is sent twice.
/// - Fills from `executionReport` trades, by trade id: a duplicate event books nothing. Price
///   and size are the trade's; the fee its commission in ticks × lots when paid in the quote or
///   the base asset (the base at the fill's price), else 0 in the report and kept by asset in
///   the venue journal.
final class BinanceSpotVenue: Venue {
    let instrument: Instrument
    unowned let connection: BinanceSpotConnection
    /// The symbol's bytes, for requests (a stable address) and for matching events.
    let symbol: UnsafeRawBufferPointer
    let tick: DecimalScale
    let lot: DecimalScale
    private(set) var filters: ExchangeFilters?
    /// The start's reconciliation of this symbol's open orders is done.
    var reconciled = false
    /// Why the symbol cannot trade (`cannotTrade`): every new order is refused with it.
    private(set) var unusable: String?
    private(set) var orders: [LiveOrder] = []
    private var queued: [ExecutionReport] = []
    /// The last trades booked (ids), so a repeated event books nothing.
    private var bookedTrades = [Int64](repeating: -1, count: 256)
    private var bookedNext = 0
    private(set) var mid: Int64?
    /// The last refusal reported, so a strategy quoting into one refusal logs it once.
    private var lastRefusal = ""
    private(set) var duplicateTrades = 0
    /// The base asset's balance against this run's fills.
    private(set) var balances = BalanceReconciliation()
    /// One lot in 10^-18 of the base asset.
    let lotAttoUnits: Int128
    /// The venue's request budget as last said (0: plenty; 1...4: quarters of the pressure).
    private var budgetBand = 0
    /// The inventory target last published in the session's control block.
    private var publishedTarget: Int128?
    private var balanceUnreadableSaid = false

    init(instrument: Instrument, connection: BinanceSpotConnection) {
        self.instrument = instrument
        self.connection = connection
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: instrument.symbol.utf8.count, alignment: 1)
        bytes.copyBytes(from: instrument.symbol.utf8)
        symbol = UnsafeRawBufferPointer(bytes)
        tick = DecimalScale(mantissa: instrument.tickMantissa, decimals: Int(instrument.tickDecimals))
        lot = DecimalScale(mantissa: instrument.lotMantissa, decimals: Int(instrument.lotDecimals))
        lotAttoUnits = instrument.lotAttoUnits
        orders.reserveCapacity(BinanceSpotVenue.maxOrders)
        queued.reserveCapacity(64)
    }

    deinit { symbol.deallocate() }

    static let maxOrders = 64
    /// Binance spot's highest fee tier, 0.1 %, twice over: the order manager's bound on a fee.
    var maxFeeMillionths: Int64 { 2_000 }
    /// Answers come through the connection's poll, not at a time known in advance.
    var nextArrivalNs: Int64 { .max }
    var workingOrders: Int { orders.reduce(0) { $0 + ($1.isWorking ? 1 : 0) } }

    // MARK: The order manager's commands

    func submit(_ command: OrderCommand, nowNs: Int64, into reports: inout [ExecutionReport]) {
        var command = command
        if command.command != .cancel, let filters {
            // To the venue's step, down: within the position limit, never refused for the step.
            command.size = filters.sizeRoundedDown(command.size, market: command.orderType == .market)
        }
        switch command.command {
        case .new:
            place(command, replacing: nil, nowNs: nowNs, into: &reports)
        case .cancel:
            guard let index = index(command.origClientOrderId), orders[index].isWorking else { return }
            orders[index].cancelWanted = true
            sendWanted()
        case .replace:
            guard let index = index(command.origClientOrderId), orders[index].isWorking,
                orders[index].state == .open, !orders[index].cancelOut
            else {
                // The order it replaces is gone or in doubt: the replacement is refused (the
                // manager sends a new order on the next intent), and the old one, if it still
                // works, cancelled as the manager meant it to be.
                cancelReplaced(index(command.origClientOrderId))
                return reports.append(report(.reject, command, reason: .venueError, nowNs: nowNs))
            }
            var replacement = command
            replacement.command = .new
            replacement.sideRaw = orders[index].command.sideRaw
            replacement.orderTypeRaw = orders[index].command.orderTypeRaw
            replacement.timeInForceRaw = orders[index].command.timeInForceRaw
            if filters?.amendAllowed == true, replacement.price == orders[index].command.price,
                replacement.size < orders[index].remaining
            {
                // A size cut at the same price: amended in place, keeping the queue.
                return place(replacement, replacing: index, amending: true, nowNs: nowNs, into: &reports)
            }
            if filters?.cancelReplaceAllowed == false {
                // No order.cancelReplace on this symbol: a cancel, then a new order.
                orders[index].cancelWanted = true
                sendWanted()
                return place(replacement, replacing: nil, nowNs: nowNs, into: &reports)
            }
            place(replacement, replacing: index, nowNs: nowNs, into: &reports)
        }
    }

    /// A new order, or one replacing the order at `replacing` (`order.cancelReplace`; with
    /// `amending`, `order.amend.keepPriority`: the venue's order cut to the new size in place).
    private func place(
        _ command: OrderCommand, replacing: Int?, amending: Bool = false, nowNs: Int64,
        into reports: inout [ExecutionReport]
    ) {
        if let refusal = refusal(command) {
            refuse(refusal.text)
            cancelReplaced(replacing)
            return reports.append(report(.reject, command, reason: refusal.reason, nowNs: nowNs))
        }
        guard let slot = freeSlot() else {
            refuse("\(BinanceSpotVenue.maxOrders) orders in flight or working")
            cancelReplaced(replacing)
            return reports.append(report(.reject, command, reason: .riskLimit, nowNs: nowNs))
        }
        let old = replacing.map { orders[$0].clientOrderId }
        let outcome =
            if amending, let replacing {
                connection.amend(
                    orders[replacing].clientOrderId, to: command, quantity: orders[replacing].filled + command.size,
                    on: self)
            } else {
                connection.place(command, replacing: old, on: self)
            }
        switch outcome {
        case .sent:
            let order = LiveOrder(command: command, state: .pendingNew)
            if slot == orders.count { orders.append(order) } else { orders[slot] = order }
            if let replacing { orders[replacing].cancelOut = true }
        case .notSent(let why):
            refuse(why)
            cancelReplaced(replacing)
            reports.append(report(.reject, command, reason: .venueError, nowNs: nowNs))
        case .uncertain:
            var order = LiveOrder(command: command, state: .unknown)
            order.statusWanted = true
            if slot == orders.count { orders.append(order) } else { orders[slot] = order }
            if let replacing {
                orders[replacing].state = .unknown
                orders[replacing].statusWanted = true
            }
        }
    }

    /// The order a refused replace was to replace: the manager no longer keeps it, so the venue
    /// cancels it (once it is known to work) rather than leave it resting unwatched.
    private func cancelReplaced(_ index: Int?) {
        guard let index, orders[index].isWorking else { return }
        orders[index].cancelWanted = true
        sendWanted()
    }

    /// Every working order cancelled (the end of the run), the manager's or not; true while an
    /// order still works here.
    func cancelEverything() -> Bool {
        for index in orders.indices where orders[index].isWorking { orders[index].cancelWanted = true }
        sendWanted()
        return workingOrders > 0
    }

    private func refusal(_ command: OrderCommand) -> (text: String, reason: ExecutionReport.RejectReason)? {
        if let unusable { return (unusable, .venueError) }
        guard let filters, reconciled, balances.start != nil else {
            return (
                "\(instrument.symbol): not ready (exchange filters, open orders and balances not yet read)",
                .venueError
            )
        }
        guard connection.isReady else { return ("the venue session is not ready", .venueError) }
        let market = command.orderType == .market
        if let text = filters.refusal(
            side: command.side, market: market, price: command.price, size: command.size, reference: mid,
            openOrders: workingOrders)
        {
            let reason: ExecutionReport.RejectReason =
                text.hasPrefix("PRICE") || text.hasPrefix("PERCENT")
                ? .invalidPrice
                : text.hasPrefix("LOT") || text.hasPrefix("MARKET_LOT") || text.hasPrefix("NOTIONAL")
                    ? .invalidSize
                    : .venueError
            return ("\(instrument.symbol): \(text)", reason)
        }
        return nil
    }

    private func refuse(_ text: String) {
        guard text != lastRefusal else { return }
        lastRefusal = text
        connection.report("order refused before sending: \(text)")
    }

    /// Cancels wanted and statuses wanted, sent once the session can take them.
    func sendWanted() {
        guard connection.isReady else { return }
        for index in orders.indices where orders[index].isWorking {
            if orders[index].cancelWanted, !orders[index].cancelOut, orders[index].state == .open {
                switch connection.cancel(orders[index].clientOrderId, on: self) {
                case .sent:
                    orders[index].cancelWanted = false
                    orders[index].cancelOut = true
                case .notSent: break // tried again on the next poll
                case .uncertain:
                    orders[index].cancelWanted = false
                    orders[index].state = .unknown
                    orders[index].statusWanted = true
                }
            }
            if orders[index].statusWanted, !orders[index].statusOut {
                if connection.askStatus(orders[index].clientOrderId, on: self) {
                    orders[index].statusWanted = false
                    orders[index].statusOut = true
                }
            }
        }
    }

    /// The connection was lost: every request out is unanswered, so its order is unknown.
    func connectionLost() {
        for index in orders.indices where orders[index].isWorking {
            if orders[index].state == .pendingNew || orders[index].cancelOut || orders[index].statusOut {
                orders[index].state = .unknown
                orders[index].statusWanted = true
                orders[index].cancelOut = false
                orders[index].statusOut = false
            } else if orders[index].state == .open {
                // Fills may have happened while nothing could be heard.
                orders[index].statusWanted = true
            }
        }
    }

    // MARK: The venue's answers

    /// The answer to a request for order `clientOrderId` (a cancel-replace's: the new order's,
    /// `replacing` the old one's).
    func answered(
        _ kind: BinanceSpotConnection.RequestKind, clientOrderId: UInt32, replacing: UInt32, _ message: APIMessage,
        _ bytes: UnsafeBufferPointer<UInt8>, nowNs: Int64
    ) {
        guard let index = index(clientOrderId) else { return }
        let inDoubt = message.errorCode == -1007 || message.status >= 500
        switch kind {
        case .place:
            if message.isSuccess {
                if orders[index].state == .pendingNew { orders[index].state = .open }
                acknowledge(index, nowNs: nowNs)
            } else if inDoubt {
                markUnknown(index, message, bytes)
            } else {
                rejectOrder(index, message, bytes, nowNs: nowNs)
            }
        case .cancel:
            orders[index].cancelOut = false
            if message.isSuccess {
                close(index, nowNs: nowNs)
            } else if inDoubt || message.errorCode == -2011 {
                // -2011: already filled, cancelled or expired: the status says which.
                markUnknown(index, message, bytes)
            } else {
                connection.report("\(instrument.symbol): cancel refused: \(describe(message, bytes))")
                orders[index].cancelWanted = true
            }
        case .replace, .amend:
            // An amend refused changed nothing at the venue, like a cancel-replace whose
            // cancel failed: the old order is cancelled as the manager meant it to be.
            replaced(index, old: self.index(replacing), message, bytes, nowNs: nowNs)
        case .status:
            orders[index].statusOut = false
            status(index, message, bytes, nowNs: nowNs)
        case .trades:
            trades(index, message, bytes, nowNs: nowNs)
        }
    }

    private func replaced(
        _ index: Int, old: Int?, _ message: APIMessage, _ bytes: UnsafeBufferPointer<UInt8>, nowNs: Int64
    ) {
        if let old { orders[old].cancelOut = false }
        if message.isSuccess {
            if let old { close(old, nowNs: nowNs) }
            if orders[index].state == .pendingNew { orders[index].state = .open }
            acknowledge(index, nowNs: nowNs)
            return
        }
        if message.errorCode == -1007 || message.status >= 500 {
            markUnknown(index, message, bytes)
            if let old {
                markUnknown(old, message, bytes)
                orders[old].cancelWanted = true // the manager meant it gone, whatever happened
            }
            return
        }
        // 400 -2022: the cancel failed, the new order was not attempted; 409 -2021: the cancel
        // succeeded and the new order failed (STOP_ON_FAILURE allows no other mix).
        let cancelled = message.status == 409
        if let old {
            if cancelled {
                close(old, nowNs: nowNs)
            } else {
                markUnknown(old, message, bytes)
                orders[old].cancelWanted = true
            }
        }
        rejectOrder(index, message, bytes, nowNs: nowNs)
    }

    /// `order.status`: the order's state at the venue; fills the events missed come by `myTrades`.
    private func status(_ index: Int, _ message: APIMessage, _ bytes: UnsafeBufferPointer<UInt8>, nowNs: Int64) {
        guard message.isSuccess, let result = message.result else {
            if message.errorCode == -2013 {
                // The request never reached the matching engine.
                connection.note("\(instrument.symbol): order \(orders[index].clientOrderId) never reached the venue")
                orders[index].statusWanted = false
                return rejectOrder(index, message, bytes, nowNs: nowNs)
            }
            orders[index].statusWanted = true
            return
        }
        let answer: OrderStatusAnswer
        do { answer = try OrderStatusAnswer(bytes, result) } catch {
            return connection.report("\(instrument.symbol): order.status answer unreadable: \(error.message)")
        }
        guard let executedLots = try? lot.count(bytes, answer.executedQuantity) else {
            return connection.report("\(instrument.symbol): order.status answer's executedQty is not in lots")
        }
        let open = answer.isOpen
        orders[index].state = open ? .open : orders[index].state
        acknowledge(index, nowNs: nowNs)
        if executedLots > orders[index].filled {
            connection.note(
                "\(instrument.symbol): order \(orders[index].clientOrderId): venue shows \(executedLots) lots "
                    + "filled, \(orders[index].filled) booked; fetching its trades")
            orders[index].closeAfterTrades = !open
            if !connection.askTrades(orders[index].clientOrderId, venueOrderId: answer.orderId, on: self) {
                orders[index].statusWanted = true
            }
        } else if !open {
            close(index, nowNs: nowNs)
        }
    }

    /// `myTrades` for one order: every trade not yet booked is.
    private func trades(_ index: Int, _ message: APIMessage, _ bytes: UnsafeBufferPointer<UInt8>, nowNs: Int64) {
        guard message.isSuccess, let result = message.result else {
            orders[index].statusWanted = true
            return
        }
        do {
            try AccountTrade.read(bytes, result) { trade in
                if orders[index].lotsBookedBefore > 0, !bookedTrades.contains(trade.id),
                    let lots = try? lot.count(bytes, trade.quantity), lots <= orders[index].lotsBookedBefore
                {
                    // Booked by the run before (in the journal): remembered, not booked again.
                    orders[index].lotsBookedBefore -= lots
                    remember(trade.id)
                    return
                }
                book(
                    index, tradeId: trade.id, price: trade.price, quantity: trade.quantity,
                    commission: trade.commission, asset: trade.commissionAsset, timeMs: trade.timeMs, bytes,
                    nowNs: nowNs)
            }
        } catch {
            return connection.report("\(instrument.symbol): myTrades answer unreadable: \(error.message)")
        }
        if orders[index].closeAfterTrades {
            orders[index].closeAfterTrades = false
            close(index, nowNs: nowNs)
        }
    }

    /// An `executionReport` for this symbol.
    func event(_ event: ExecutionReportEvent, _ bytes: UnsafeBufferPointer<UInt8>, nowNs: Int64) {
        let scanner = JSONScanner(bytes)
        let id =
            connection.ids.id(bytes, event.clientOrderId!)
            ?? event.origClientOrderId.flatMap { connection.ids.id(bytes, $0) }
        guard let id else { return } // not ours: another client's, or an earlier run's
        let execution = event.executionType!
        guard let index = index(id) else {
            // An order of this run no longer in the table: a fill must still be booked.
            if scanner.equals(execution, "TRADE") { bookLate(id, event, bytes, nowNs: nowNs) }
            return
        }
        if scanner.equals(execution, "NEW") || scanner.equals(execution, "REPLACED") {
            if orders[index].state == .pendingNew || orders[index].state == .unknown { orders[index].state = .open }
            acknowledge(index, nowNs: nowNs)
            // Amended: the order under its old client id is this one now.
            if let original = event.origClientOrderId.flatMap({ connection.ids.id(bytes, $0) }), original != id,
                let old = self.index(original), orders[old].isWorking
            {
                close(old, nowNs: nowNs)
            }
        } else if scanner.equals(execution, "TRADE") {
            guard let price = event.lastPrice, let quantity = event.lastQuantity else {
                return connection.report("\(instrument.symbol): a TRADE executionReport without L or l")
            }
            acknowledge(index, nowNs: nowNs)
            book(
                index, tradeId: event.tradeId, price: price, quantity: quantity, commission: event.commission,
                asset: event.commissionAsset, timeMs: event.transactionTimeMs, bytes, nowNs: nowNs)
            if scanner.equals(event.orderStatus!, "FILLED") { orders[index].state = .closed }
        } else if scanner.equals(execution, "CANCELED") || scanner.equals(execution, "EXPIRED")
            || scanner.equals(execution, "EXPIRED_IN_MATCH") || scanner.equals(execution, "TRADE_PREVENTION")
        {
            close(index, nowNs: nowNs)
        } else if scanner.equals(execution, "REJECTED") {
            orders[index].state = .closed
            if !orders[index].closeReported {
                orders[index].closeReported = true
                queued.append(report(.reject, orders[index].command, reason: .venueError, nowNs: nowNs))
            }
        }
    }

    /// A trade for an order whose slot was reused: booked as a partial fill of its side.
    private func bookLate(
        _ id: UInt32, _ event: ExecutionReportEvent, _ bytes: UnsafeBufferPointer<UInt8>, nowNs: Int64
    ) {
        let scanner = JSONScanner(bytes)
        let command = OrderCommand(
            header: FrameHeader(type: .orderCommand, instrument: instrument.id), command: .new,
            side: scanner.equals(event.side!, "BUY") ? .buy : .sell, orderType: .limit, timeInForce: .goodTillCancel,
            clientOrderId: id, price: 0, size: .max)
        guard let slot = freeSlot(), let price = event.lastPrice, let quantity = event.lastQuantity else {
            return connection.report(
                "\(instrument.symbol): a late trade \(event.tradeId) of order \(id) could not be booked; see the "
                    + "venue journal")
        }
        var order = LiveOrder(command: command, state: .closed)
        order.ackReported = true
        order.closeReported = true
        if slot == orders.count { orders.append(order) } else { orders[slot] = order }
        book(
            slot, tradeId: event.tradeId, price: price, quantity: quantity, commission: event.commission,
            asset: event.commissionAsset, timeMs: event.transactionTimeMs, bytes, nowNs: nowNs)
    }

    private func remember(_ tradeId: Int64) {
        bookedTrades[bookedNext] = tradeId
        bookedNext = (bookedNext + 1) % bookedTrades.count
    }

    private func book(
        _ index: Int, tradeId: Int64, price: Range<Int>, quantity: Range<Int>, commission: Range<Int>?,
        asset: Range<Int>?, timeMs: Int64, _ bytes: UnsafeBufferPointer<UInt8>, nowNs: Int64
    ) {
        if tradeId >= 0 {
            if bookedTrades.contains(tradeId) {
                duplicateTrades += 1
                return connection.note("\(instrument.symbol): trade \(tradeId) reported again; booked once")
            }
            remember(tradeId)
        }
        let ticks: Int64
        let lots: Int64
        do {
            ticks = try tick.count(bytes, price)
            lots = try lot.count(bytes, quantity)
        } catch {
            return connection.report(
                "\(instrument.symbol): trade \(tradeId) of order \(orders[index].clientOrderId): a price or "
                    + "quantity the instrument's tick and lot cannot hold (\(error)); NOT BOOKED, see the venue journal"
            )
        }
        let fee = self.fee(commission, asset, price: ticks, bytes)
        orders[index].filled += lots
        var baseFee: Int128 = 0
        if let commission, let asset, isBaseAsset(asset, bytes) {
            baseFee = AccountBalance.attoUnits(bytes, commission) ?? 0
        }
        let amount = Int128(lots) * lotAttoUnits
        balances.filled(orders[index].command.side == .buy ? amount : -amount, baseFee: baseFee, timeMs: timeMs)
        let whole = orders[index].filled >= orders[index].command.size
        var fill = report(whole ? .fill : .partialFill, orders[index].command, nowNs: nowNs)
        fill.price = ticks
        fill.size = lots
        fill.fee = fee
        queued.append(fill)
        if whole {
            orders[index].state = .closed
            orders[index].closeReported = true
        }
    }

    /// The commission in ticks × lots, when paid in the quote asset (commission / (tick × lot))
    /// or the base (commission / lot × the fill's price): exact where the instrument's lot is
    /// the asset's precision, as on the venue, else rounded to the nearest. 0 in another asset
    /// (BNB), which the venue journal keeps.
    private func fee(_ commission: Range<Int>?, _ asset: Range<Int>?, price: Int64, _ bytes: UnsafeBufferPointer<UInt8>)
        -> Int64
    {
        guard let commission, let asset, let filters else { return 0 }
        let lotDecimals = Int(instrument.lotDecimals)
        if UnsafeBufferPointer(rebasing: bytes[asset]).elementsEqual(filters.quoteAsset.utf8) {
            return Self.scaled(
                bytes, commission, times: 1, exponent: Int(instrument.tickDecimals) + lotDecimals,
                over: Int128(instrument.tickMantissa) * Int128(instrument.lotMantissa)) ?? 0
        }
        if isBaseAsset(asset, bytes) {
            return Self.scaled(
                bytes, commission, times: Int128(price), exponent: lotDecimals, over: Int128(instrument.lotMantissa))
                ?? 0
        }
        return 0
    }

    /// The decimal at `bytes[range]` × `times` × 10^`exponent` / `over`, rounded to the nearest;
    /// nil if it is not a plain decimal or does not fit.
    static func scaled(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, times: Int128, exponent: Int, over: Int128
    ) -> Int64? {
        var digits: Int128 = 0
        var decimals = 0
        var point = false
        for index in range {
            let byte = bytes[index]
            if byte == 0x2E, !point {
                point = true
                continue
            }
            guard byte >= 0x30, byte <= 0x39, digits < 1_000_000_000_000_000_000_000_000 else { return nil }
            digits = digits * 10 + Int128(byte - 0x30)
            if point { decimals += 1 }
        }
        var numerator = digits
        var denominator = over
        for _ in 0..<max(0, exponent - decimals) {
            let (next, overflow) = numerator.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            numerator = next
        }
        for _ in 0..<max(0, decimals - exponent) {
            let (next, overflow) = denominator.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            denominator = next
        }
        let (product, overflow) = numerator.multipliedReportingOverflow(by: times)
        guard !overflow, denominator > 0 else { return nil }
        let rounded = (product + denominator / 2) / denominator
        return rounded <= Int128(Int64.max) ? Int64(rounded) : nil
    }

    // MARK: Reports

    private func acknowledge(_ index: Int, nowNs: Int64) {
        guard !orders[index].ackReported else { return }
        orders[index].ackReported = true
        queued.append(
            report(.ack, orders[index].command, size: orders[index].remaining, nowNs: nowNs))
    }

    private func close(_ index: Int, nowNs: Int64) {
        orders[index].state = .closed
        orders[index].cancelOut = false
        orders[index].cancelWanted = false
        guard !orders[index].closeReported else { return }
        orders[index].closeReported = true
        queued.append(
            report(
                .cancelled, orders[index].command, size: orders[index].remaining,
                nowNs: nowNs))
    }

    private func markUnknown(_ index: Int, _ message: APIMessage, _ bytes: UnsafeBufferPointer<UInt8>) {
        connection.note(
            "\(instrument.symbol): order \(orders[index].clientOrderId) unknown after "
                + "\(describe(message, bytes)); asking its status")
        orders[index].state = .unknown
        orders[index].statusWanted = true
        sendWanted()
    }

    private func rejectOrder(_ index: Int, _ message: APIMessage, _ bytes: UnsafeBufferPointer<UInt8>, nowNs: Int64) {
        let text = describe(message, bytes)
        connection.report("\(instrument.symbol): order \(orders[index].clientOrderId) rejected: \(text)")
        orders[index].state = .closed
        guard !orders[index].closeReported else { return }
        orders[index].closeReported = true
        let reason: ExecutionReport.RejectReason =
            text.contains("immediately match")
            ? .postOnlyWouldCross
            : text.contains("insufficient balance")
                ? .insufficientBalance
                : text.contains("PRICE")
                    ? .invalidPrice
                    : text.contains("LOT_SIZE") || text.contains("NOTIONAL")
                        ? .invalidSize
                        : message.status == 429 ? .riskLimit : .venueError
        queued.append(report(.reject, orders[index].command, reason: reason, nowNs: nowNs))
    }

    private func describe(_ message: APIMessage, _ bytes: UnsafeBufferPointer<UInt8>) -> String {
        WebSocketAPISession.describe(message, bytes)
    }

    private func report(
        _ kind: ExecutionReport.Report, _ command: OrderCommand, size: Int64? = nil,
        reason: ExecutionReport.RejectReason = .none, nowNs: Int64
    ) -> ExecutionReport {
        ExecutionReport(
            header: FrameHeader(
                type: .executionReport, flags: .endOfMessage, instrument: instrument.id, bot: command.header.bot,
                receiveTimeNs: nowNs),
            report: kind, side: command.side, rejectReason: reason, clientOrderId: command.clientOrderId,
            price: command.price, size: size ?? command.size)
    }

    var hasQueuedReports: Bool { !queued.isEmpty }

    // MARK: The venue's filters, the start's open orders

    /// The orders the run before left working: each asked about (`order.status`); what the
    /// venue filled beyond the lots booked is fetched and booked, and its end reported.
    func adopt(_ orders: [JournalHistory.WorkingOrder], position: Int64) -> [JournalHistory.WorkingOrder] {
        balances.carried = Int128(position) * lotAttoUnits
        // `--on-start adopt`: the newest order a side of each bot stays its order manager's.
        let bots = Set(orders.map(\.command.header.bot)).sorted()
        let kept =
            connection.onStart == .adopt
            ? bots.flatMap { bot in
                [Side.buy, .sell].compactMap { side in
                    orders.filter { $0.command.side == side && $0.command.header.bot == bot }.max {
                        $0.command.clientOrderId < $1.command.clientOrderId
                    }
                }
            } : []
        for past in orders {
            guard let slot = freeSlot() else {
                connection.note(
                    "\(instrument.symbol): more orders left working than \(BinanceSpotVenue.maxOrders); the rest "
                        + "are cancelled at the start, fills after the journal's end are not booked")
                break
            }
            var order = LiveOrder(command: past.command, state: .unknown, filled: past.filledLots)
            order.keptAtStart = kept.contains(past)
            // A kept order is acknowledged to the order manager once the venue shows it open.
            order.ackReported = !order.keptAtStart
            order.statusWanted = true
            order.lotsBookedBefore = past.filledLots
            if slot == self.orders.count { self.orders.append(order) } else { self.orders[slot] = order }
            connection.note(
                "\(instrument.symbol): order \(past.command.clientOrderId) left working by the run before "
                    + "(\(past.filledLots) lots booked); asking its status"
                    + (order.keptAtStart ? "; kept for the order manager if open (--on-start adopt)" : ""))
        }
        return kept.filter { keepsAtStart($0.command.clientOrderId) }
    }

    /// 1 while half the venue's order and weight budgets are left; then, as the pressure on the
    /// tighter rises to the cancels' reserve, up to two spreads: quotes within that of the market
    /// stay where they are, and the budget goes to the moves that matter and to cancels. Each
    /// quarter of pressure entered or left is journaled.
    func requoteStep(spreadTicks: Int64) -> Int64 {
        let nowMs = connection.session.serverTimeMs()
        let pressure = connection.session.budget.requotePressure(nowMs: nowMs)
        let step = pressure > 0 ? max(1, Int64((Double(max(spreadTicks, 1)) * 2 * pressure).rounded(.up))) : 1
        let band = pressure > 0 ? min(4, 1 + Int(pressure * 4)) : 0
        if band != budgetBand {
            budgetBand = band
            let readings = connection.session.budget.description(nowMs: nowMs)
            connection.note(
                "\(instrument.symbol): the venue's request budget (\(readings)): "
                    + (step > 1 ? "quotes move only for \(step) ticks or more" : "quotes move with every change"))
        }
        return step
    }

    /// True if order `id` is one the run before left that stays working (`--on-start adopt`).
    func keepsAtStart(_ id: UInt32) -> Bool {
        guard let index = index(id) else { return false }
        return orders[index].keptAtStart && orders[index].isWorking
    }

    // MARK: Balances

    /// True if `balance` is this symbol's base asset's (known once the filters are in).
    func isBase(_ balance: AccountBalance, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        isBaseAsset(balance.asset, bytes)
    }

    /// True if the asset named at `bytes[asset]` is this symbol's base asset.
    private func isBaseAsset(_ asset: Range<Int>, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let filters else { return false }
        return UnsafeBufferPointer(rebasing: bytes[asset]).elementsEqual(filters.baseAsset.utf8)
    }

    /// The base asset's balance, as the venue last updated it at `updateMs`.
    func balanceRead(_ balance: AccountBalance, _ bytes: UnsafeBufferPointer<UInt8>, updateMs: Int64) {
        guard let free = AccountBalance.attoUnits(bytes, balance.free),
            let locked = AccountBalance.attoUnits(bytes, balance.locked)
        else {
            if !balanceUnreadableSaid {
                balanceUnreadableSaid = true
                connection.note(
                    "\(instrument.symbol): a balance of its base asset exec cannot read; see the venue journal")
            }
            return
        }
        balances.balanceRead(free + locked, updateMs: updateMs)
    }

    /// The base asset absent from an `account.status` answer: none held.
    func noBalance(updateMs: Int64) { balances.balanceRead(0, updateMs: updateMs) }

    /// A difference between the balance and the fills that has held for a second is said and
    /// journaled (and its end, once the two agree again); the position is adjusted to the
    /// account's (in whole lots, at the mark), journaled.
    func checkBalance(nowNs: Int64) {
        if let target = balances.inventoryTarget, target != publishedTarget {
            publishedTarget = target
            connection.controlBlock?.publishInventoryTarget(instrument: instrument.id, attoUnits: target)
        }
        if let mark = mid, let lots = balances.adjustmentDue(lot: lotAttoUnits, nowNs: nowNs) {
            balances.adjust(lots, lot: lotAttoUnits)
            queued.append(
                ExecutionReport(
                    header: FrameHeader(
                        type: .executionReport, flags: .endOfMessage, instrument: instrument.id, receiveTimeNs: nowNs),
                    report: .adjustment, side: lots > 0 ? .buy : .sell, clientOrderId: 0, price: mark,
                    size: Int64(lots.magnitude)))
            connection.journal.note(
                "\(instrument.symbol): position adjusted by \(instrument.formatSize(lots)) to the account's "
                    + "(\(balanceText))")
        }
        guard let difference = balances.newDifference(nowNs: nowNs), let asset = filters?.baseAsset else { return }
        guard difference != 0 else {
            return connection.note("\(instrument.symbol): the \(asset) balance agrees with exec's fills again")
        }
        connection.balanceDifferences += 1
        let amount = AccountBalance.text(attoUnits: difference < 0 ? -difference : difference).dropFirst()
        connection.note(
            "\(instrument.symbol): the \(asset) balance is \(amount) \(difference > 0 ? "more" : "less") than "
                + "exec's fills explain (\(balanceText)): a deposit, a withdrawal, another session on the account, "
                + "or a fill exec never heard of")
    }

    /// "balance +5.00999000, at the start +5.00000000, fills since +0.01000000, base-asset fees
    /// +0.00001000".
    var balanceText: String {
        guard let start = balances.start, let balance = balances.balance else { return "balance not read" }
        let text = { AccountBalance.text(attoUnits: $0) }
        return "balance \(text(balance)), at the start \(text(start.balance)), fills since \(text(balances.filled)), "
            + "base-asset fees \(text(balances.baseFees))"
    }

    /// The symbol cannot be traded at this venue (not listed, its rules unreadable): said once,
    /// every new order refused with it.
    func cannotTrade(_ reason: String) {
        guard unusable == nil else { return }
        unusable = "\(instrument.symbol): \(reason)"
        connection.note(unusable!)
    }

    func filtersArrived(_ rules: SymbolRules) {
        do {
            filters = try ExchangeFilters(rules, instrument: instrument)
            balances.target = connection.inventoryTargets[rules.baseAsset]
            if !filters!.tradable { connection.report("\(instrument.symbol) is \(rules.status) at the venue") }
        } catch {
            cannotTrade("exchange filters unusable: \(error)")
        }
    }

    // MARK: Venue

    func advance(to nowNs: Int64, into reports: inout [ExecutionReport]) {
        guard !queued.isEmpty else { return }
        reports.append(contentsOf: queued)
        queued.removeAll(keepingCapacity: true)
    }

    func apply(_ delta: BookDelta) {}
    func apply(_ levels: BookLevels) {}

    func top(_ top: BookTop, nowNs: Int64, into reports: inout [ExecutionReport]) {
        mid = top.isValid ? top.midPrice : nil
    }

    func trade(_ trade: Trade, nowNs: Int64, into reports: inout [ExecutionReport]) {}

    private func index(_ id: UInt32) -> Int? { orders.firstIndex { $0.clientOrderId == id } }

    /// A slot for a new order: a closed one's, or the end (up to `maxOrders`).
    private func freeSlot() -> Int? {
        if let closed = orders.firstIndex(where: { !$0.isWorking && !$0.closeAfterTrades }) { return closed }
        return orders.count < BinanceSpotVenue.maxOrders ? orders.count : nil
    }
}
