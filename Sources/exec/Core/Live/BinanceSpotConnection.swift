import BinanceAPI
import IPC
import Network

/// exec's one session on Binance spot's WebSocket API, shared by every instrument's
/// `BinanceSpotVenue`: it writes their requests, remembers which request was whose, and hands
/// each answer, `executionReport` and `outboundAccountPosition` to the instruments it concerns.
///
/// On every connection, once logged on: `userDataStream.subscribe` (`.signature` with an HMAC
/// key); orders are sent only while subscribed, so no fill can happen unheard. On the first,
/// for each symbol: `exchangeInfo` (its filters) and `openOrders.status`, where an open order
/// with a tickpipe client id (an earlier run's) is cancelled. Once every symbol's filters are
/// in, and again on every connection: `account.status` (each base asset's balance). Until all
/// three are in, a symbol takes no new order. After a connection is lost, every order whose
/// request went unanswered is unknown and asked about (`order.status`), as is every open order
/// (fills may have happened unheard).
///
/// Every request and every answer and event go to the venue journal.
final class BinanceSpotConnection {
    enum RequestKind {
        case place, cancel, replace, amend, status, trades
    }

    enum Outcome {
        /// Written to the socket.
        case sent
        /// Certainly not sent (the session not ready, the rate budget), and why.
        case notSent(String)
        /// The connection failed while it was written: it may have reached the venue.
        case uncertain
    }

    private enum Purpose {
        case order(RequestKind, clientOrderId: UInt32, replacing: UInt32)
        case exchangeInfo
        case openOrders
        /// Cancelling an earlier run's order found open at the start.
        case startCancel
        case subscribe
        /// `account.status`: the balances.
        case account
    }

    private struct Pending {
        var requestId: UInt64
        var instrument: UInt32
        var purpose: Purpose

        var isExchangeInfo: Bool {
            if case .exchangeInfo = purpose { return true }
            return false
        }
    }

    static let maxPending = 1_024

    let session: WebSocketAPISession
    let journal: VenueJournal
    let ids: ClientOrderIds
    /// `--inventory-target`, by base asset (10^-18 of it).
    let inventoryTargets: [String: Int128]
    /// `--on-start`: what becomes of the open orders the journal's runs left.
    let onStart: ExecOptions.StartPolicy
    /// Several bots trade the account: every order asks the venue to expire an order that would
    /// trade against the account's own (`EXPIRE_TAKER`), behind exec's own check.
    let selfTradePrevention: Bool
    /// Balance differences said (a symbol's balance its fills do not explain), for the gauge.
    var balanceDifferences = 0
    /// The session's control block, where each symbol's inventory target is published.
    var controlBlock: ControlBlock?
    private(set) var venues: [BinanceSpotVenue] = []
    private var pending: [Pending] = []
    /// The connection (`session.connections`) the user data stream is subscribed on (0: none).
    private var subscribedOn: UInt64 = 0
    private var subscribeOut = false
    /// For each instrument, the start's cancels still unanswered.
    private var startCancels: [Int] = Array(repeating: 0, count: Instrument.idSlots)
    private var startAsked: [Bool] = Array(repeating: false, count: Instrument.idSlots)
    /// For each instrument, when a start request that failed may be sent again (monotonic ns).
    private var startRetryNs: [Int64] = Array(repeating: 0, count: Instrument.idSlots)
    static let startRetryDelayNs: Int64 = 2_000_000_000
    /// The connection `account.status` was asked on (0: not yet), and when it may be asked
    /// again after a refusal (monotonic ns).
    private var accountAskedOn: UInt64 = 0
    private var accountRetryNs: Int64 = 0

    init(
        session: WebSocketAPISession, journal: VenueJournal, ids: ClientOrderIds,
        inventoryTargets: [String: Int128] = [:], onStart: ExecOptions.StartPolicy = .cancel,
        selfTradePrevention: Bool = false
    ) {
        self.session = session
        self.journal = journal
        self.ids = ids
        self.inventoryTargets = inventoryTargets
        self.onStart = onStart
        self.selfTradePrevention = selfTradePrevention
        session.journal = journal
        pending.reserveCapacity(BinanceSpotConnection.maxPending)
        journal.note("\(ClientOrderIds.sessionNote)\(ids.prefixText)<n>")
    }

    deinit { ids.deallocate() }

    /// Logged on and subscribed to the user data stream on the current connection.
    var isReady: Bool { session.isReady && subscribedOn == session.connections }

    /// Every working order of every symbol cancelled, the order manager's or not; true while
    /// a request is unanswered or an order still works.
    func cancelEverything() -> Bool {
        var working = false
        for venue in venues where venue.cancelEverything() { working = true }
        return working || !pending.isEmpty
    }

    func register(_ venue: BinanceSpotVenue) {
        venues.removeAll { $0.instrument.id == venue.instrument.id }
        venues.append(venue)
        startAsked[Int(venue.instrument.id)] = false
        askStart()
    }

    func report(_ text: String) { StandardError.line("exec: \(text)") }

    /// A finding for the operator and the journal (reconciliation, doubt): both.
    func note(_ text: String) {
        report(text)
        journal.note(text)
    }

    // MARK: The duty cycle

    /// Reads what arrived and sends what waits. True if an instrument has reports to collect.
    func poll() -> Bool {
        let nowNs = SystemClock.monotonicNanoseconds()
        let realNs = SystemClock.realtimeNanoseconds()
        _ = session.poll(
            nowNs: nowNs, { message, bytes in handle(message, bytes, nowNs: realNs) },
            connectionLost: { reason in lost(reason) })
        if session.isReady, subscribedOn != session.connections, !subscribeOut { subscribe() }
        if isReady {
            askStart()
            askAccount(nowNs: nowNs)
            for venue in venues { venue.sendWanted() }
        }
        for venue in venues { venue.checkBalance(nowNs: realNs) }
        journal.flush()
        for venue in venues where venue.hasQueuedReports { return true }
        return false
    }

    private func lost(_ reason: String) {
        journal.note("connection lost: \(reason); \(pending.count) requests unanswered")
        pending.removeAll(keepingCapacity: true)
        subscribeOut = false
        for venue in venues { venue.connectionLost() }
        // A symbol whose start was under way is asked again on the next connection.
        for venue in venues where !venue.reconciled || venue.filters == nil {
            startCancels[Int(venue.instrument.id)] = 0
            startAsked[Int(venue.instrument.id)] = false
        }
    }

    private func handle(_ message: APIMessage, _ bytes: UnsafeBufferPointer<UInt8>, nowNs: Int64) {
        journal.received(bytes)
        if let event = message.event {
            guard let type = message.eventType else { return }
            let scanner = JSONScanner(bytes)
            if scanner.equals(type, "executionReport") {
                do {
                    let report = try ExecutionReportEvent(bytes, event)
                    guard let venue = venue(bytes, report.symbol!) else { return }
                    venue.event(report, bytes, nowNs: nowNs)
                } catch {
                    note("an executionReport exec cannot read, byte \(error.offset): \(error.message)")
                }
            } else if scanner.equals(type, "outboundAccountPosition") {
                balances(bytes, event, accountStatus: false)
            } else if scanner.equals(type, "eventStreamTerminated") {
                note("the venue ended the user data stream; subscribing again")
                subscribedOn = 0
            }
            return
        }
        guard let id = message.id, let at = pending.firstIndex(where: { $0.requestId == id }) else { return }
        let request = pending[at]
        pending.swapAt(at, pending.count - 1)
        pending.removeLast()
        let venue = venues.first { $0.instrument.id == request.instrument }
        switch request.purpose {
        case .subscribe:
            subscribeOut = false
            if message.isSuccess {
                subscribedOn = session.connections
                journal.note("user data stream subscribed")
            } else {
                note("userDataStream.subscribe refused: \(WebSocketAPISession.describe(message, bytes))")
            }
        case .exchangeInfo:
            guard let venue else { return }
            guard message.isSuccess, let result = message.result else {
                // A rate limit or the venue busy: asked again after a pause; any other refusal
                // (-1121 Invalid symbol) is the symbol's end here.
                guard message.status == 429 || message.status == 418 || message.status >= 500 else {
                    return venue.cannotTrade("exchangeInfo: \(WebSocketAPISession.describe(message, bytes))")
                }
                askStartAgain(venue)
                return note(
                    "\(venue.instrument.symbol): exchangeInfo: \(WebSocketAPISession.describe(message, bytes)); "
                        + "asking again in 2 s")
            }
            do {
                let rules = try SymbolRules.read(bytes, result)
                guard let found = rules.first(where: { $0.symbol == venue.instrument.symbol }) else {
                    return venue.cannotTrade("not in the venue's exchangeInfo")
                }
                venue.filtersArrived(found)
            } catch {
                venue.cannotTrade("exchangeInfo unreadable, byte \(error.offset): \(error.message)")
            }
        case .openOrders:
            guard let venue else { return }
            guard message.isSuccess, let result = message.result else {
                askStartAgain(venue)
                return note(
                    "\(venue.instrument.symbol): openOrders.status: \(WebSocketAPISession.describe(message, bytes)); "
                        + "asking again in 2 s")
            }
            startOpenOrders(venue, bytes, result)
        case .startCancel:
            startCancels[Int(request.instrument)] -= 1
            if !message.isSuccess {
                note("cancelling an earlier run's order: \(WebSocketAPISession.describe(message, bytes))")
            }
            if startCancels[Int(request.instrument)] == 0, let venue { venue.reconciled = true }
        case .account:
            guard message.isSuccess, let result = message.result else {
                accountAskedOn = 0
                accountRetryNs = nowNs + BinanceSpotConnection.startRetryDelayNs
                return note("account.status: \(WebSocketAPISession.describe(message, bytes)); asking again in 2 s")
            }
            balances(bytes, result, accountStatus: true)
        case .order(let kind, let clientOrderId, let replacing):
            venue?.answered(kind, clientOrderId: clientOrderId, replacing: replacing, message, bytes, nowNs: nowNs)
        }
    }

    private func venue(_ bytes: UnsafeBufferPointer<UInt8>, _ symbol: Range<Int>) -> BinanceSpotVenue? {
        let text = UnsafeBufferPointer(rebasing: bytes[symbol])
        return venues.first { $0.symbol.elementsEqual(text) }
    }

    // MARK: Balances

    /// `account.status` once on every connection (the start's balances, and what changed while
    /// the connection was down), when every symbol knows its base asset.
    private func askAccount(nowNs: Int64) {
        guard accountAskedOn != session.connections, nowNs >= accountRetryNs, !venues.isEmpty,
            venues.allSatisfy({ $0.filters != nil || $0.unusable != nil })
        else { return }
        let sent = send("account.status", .query, signed: true, instrument: 0, .account) { request in
            request.apiKey()
            request.recvWindow()
            request.timestamp()
        }
        if sent != nil { accountAskedOn = session.connections }
    }

    /// The balances of an `account.status` answer (every asset held: one not listed is none) or
    /// an `outboundAccountPosition` event (the assets that changed), to the symbols whose base
    /// asset they are. Read twice: the account's update time may follow its balances.
    private func balances(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, accountStatus: Bool) {
        func read(_ body: (AccountBalance) -> Void) throws(JSONScanner.Failure) -> Int64 {
            accountStatus
                ? try AccountBalance.readAccountStatus(bytes, range, body)
                : try AccountBalance.readAccountPosition(bytes, range, body)
        }
        do {
            var updateMs = try read { _ in }
            if updateMs == 0 { updateMs = session.serverTimeMs() }
            var listed: UInt64 = 0 // bit i: venues[i]'s base asset was listed (the first 64)
            _ = try read { balance in
                for (index, venue) in venues.enumerated() where venue.isBase(balance, bytes) {
                    venue.balanceRead(balance, bytes, updateMs: updateMs)
                    if index < 64 { listed |= 1 << UInt64(index) }
                }
            }
            guard accountStatus else { return }
            for (index, venue) in venues.enumerated() where venue.filters != nil && index < 64 {
                if listed & (1 << UInt64(index)) == 0 { venue.noBalance(updateMs: updateMs) }
            }
        } catch {
            note(
                "\(accountStatus ? "account.status" : "outboundAccountPosition") unreadable, byte \(error.offset): "
                    + error.message)
        }
    }

    // MARK: The start

    /// A start request refused: asked again (what is still missing) after a pause.
    private func askStartAgain(_ venue: BinanceSpotVenue) {
        let id = Int(venue.instrument.id)
        startAsked[id] = false
        startRetryNs[id] = SystemClock.monotonicNanoseconds() + BinanceSpotConnection.startRetryDelayNs
    }

    /// For each symbol not yet asked: its filters and its open orders.
    private func askStart() {
        guard isReady else { return }
        let nowNs = SystemClock.monotonicNanoseconds()
        for venue in venues where !startAsked[Int(venue.instrument.id)] {
            let id = venue.instrument.id
            guard venue.unusable == nil, nowNs >= startRetryNs[Int(id)] else { continue }
            if venue.filters == nil, !pending.contains(where: { $0.instrument == id && $0.isExchangeInfo }) {
                guard
                    send(
                        "exchangeInfo", .query, signed: false, instrument: id, .exchangeInfo,
                        { request in
                            request.string("symbol", venue.symbol)
                        }) != nil
                else { return }
            }
            guard !venue.reconciled else {
                startAsked[Int(id)] = true
                continue
            }
            guard
                send(
                    "openOrders.status", .query, signed: true, instrument: id, .openOrders,
                    { request in
                        request.apiKey()
                        request.recvWindow()
                        request.string("symbol", venue.symbol)
                        request.timestamp()
                    }) != nil
            else { return }
            startAsked[Int(id)] = true
        }
    }

    /// The start's open orders: an earlier run's are cancelled (but those the venue keeps for the
    /// order manager, `--on-start adopt`), others' left alone.
    private func startOpenOrders(_ venue: BinanceSpotVenue, _ bytes: UnsafeBufferPointer<UInt8>, _ result: Range<Int>) {
        var earlier: [String] = []
        var adopted = 0
        var others = 0
        do {
            try OpenOrder.read(bytes, result) { order in
                if let id = ids.id(bytes, order.clientOrderId), venue.keepsAtStart(id) {
                    adopted += 1
                    return
                }
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[order.clientOrderId]), as: UTF8.self)
                if ClientOrderIds.isTickpipe(text) { earlier.append(text) } else { others += 1 }
            }
        } catch {
            return note(
                "\(venue.instrument.symbol): openOrders.status unreadable, byte \(error.offset): \(error.message)")
        }
        let id = Int(venue.instrument.id)
        note(
            "\(venue.instrument.symbol): at start \(earlier.count) open orders of earlier runs (cancelling them), "
                + (onStart == .adopt ? "\(adopted) adopted, " : "") + "\(others) of others (left alone)")
        var unsent = 0
        for clientId in earlier {
            let sent = send("order.cancel", .cancel, signed: true, instrument: venue.instrument.id, .startCancel) {
                request in
                request.apiKey()
                request.string("origClientOrderId", clientId)
                request.recvWindow()
                request.string("symbol", venue.symbol)
                request.timestamp()
            }
            if sent != nil { startCancels[id] += 1 } else { unsent += 1 }
        }
        if unsent > 0 {
            // Held back (the rate budget): the open orders are read again and what is left cancelled.
            askStartAgain(venue)
            return note("\(venue.instrument.symbol): \(unsent) of those cancels held back; asking again in 2 s")
        }
        if startCancels[id] == 0 { venue.reconciled = true }
    }

    private func subscribe() {
        let hmac: Bool
        if case .hmac = session.credentials.signer { hmac = true } else { hmac = false }
        let sent =
            hmac
            ? send("userDataStream.subscribe.signature", .query, signed: true, instrument: 0, .subscribe) { request in
                request.apiKey()
                request.recvWindow()
                request.timestamp()
            }
            : send("userDataStream.subscribe", .query, signed: false, instrument: 0, .subscribe) { _ in }
        subscribeOut = sent != nil
    }

    // MARK: Orders

    func place(_ command: OrderCommand, replacing: UInt32?, on venue: BinanceSpotVenue) -> Outcome {
        if let refusal = unready() { return refusal }
        let instrument = venue.instrument
        let type: StaticString =
            switch command.orderType {
            case .postOnly: "LIMIT_MAKER"
            case .limit: "LIMIT"
            case .market: "MARKET"
            }
        let timeInForce: StaticString =
            switch command.timeInForce {
            case .goodTillCancel: "GTC"
            case .immediateOrCancel: "IOC"
            case .fillOrKill: "FOK"
            }
        let purpose = Purpose.order(
            replacing == nil ? .place : .replace, clientOrderId: command.clientOrderId, replacing: replacing ?? 0)
        let method: StaticString = replacing == nil ? "order.place" : "order.cancelReplace"
        return outcome(
            send(method, .order, signed: true, instrument: instrument.id, purpose) { request in
                request.apiKey()
                if let replacing {
                    request.string("cancelOrigClientOrderId", ids.text(replacing))
                    request.string("cancelReplaceMode", "STOP_ON_FAILURE")
                }
                request.string("newClientOrderId", ids.text(command.clientOrderId))
                request.string("newOrderRespType", "ACK")
                if command.orderType != .market {
                    request.decimal(
                        "price", count: command.price, mantissa: instrument.tickMantissa,
                        decimals: instrument.tickDecimals)
                }
                request.decimal(
                    "quantity", count: command.size, mantissa: instrument.lotMantissa, decimals: instrument.lotDecimals)
                request.recvWindow()
                if selfTradePrevention { request.string("selfTradePreventionMode", "EXPIRE_TAKER") }
                request.string("side", command.side == .buy ? "BUY" : "SELL")
                request.string("symbol", venue.symbol)
                if command.orderType == .limit { request.string("timeInForce", timeInForce) }
                request.timestamp()
                request.string("type", type)
            }, .order)
    }

    /// `order.amend.keepPriority`: order `old` cut to `quantity` lots in all (what it filled and
    /// what is to rest), keeping its place in the queue, under `command`'s client id.
    func amend(_ old: UInt32, to command: OrderCommand, quantity: Int64, on venue: BinanceSpotVenue) -> Outcome {
        if let refusal = unready() { return refusal }
        let instrument = venue.instrument
        let purpose = Purpose.order(.amend, clientOrderId: command.clientOrderId, replacing: old)
        return outcome(
            send("order.amend.keepPriority", .cancel, signed: true, instrument: instrument.id, purpose) { request in
                request.apiKey()
                request.string("newClientOrderId", ids.text(command.clientOrderId))
                request.decimal(
                    "newQty", count: quantity, mantissa: instrument.lotMantissa, decimals: instrument.lotDecimals)
                request.string("origClientOrderId", ids.text(old))
                request.recvWindow()
                request.string("symbol", venue.symbol)
                request.timestamp()
            }, .cancel)
    }

    func cancel(_ clientOrderId: UInt32, on venue: BinanceSpotVenue) -> Outcome {
        if let refusal = unready() { return refusal }
        return outcome(aboutOrder("order.cancel", .cancel, .cancel, clientOrderId, on: venue), .cancel)
    }

    /// `order.status`; false if it could not be sent now.
    func askStatus(_ clientOrderId: UInt32, on venue: BinanceSpotVenue) -> Bool {
        aboutOrder("order.status", .query, .status, clientOrderId, on: venue) != nil
    }

    /// A request naming one order by its client id: `order.cancel`, `order.status`.
    private func aboutOrder(
        _ method: StaticString, _ budget: RateBudget.RequestKind, _ kind: RequestKind, _ clientOrderId: UInt32,
        on venue: BinanceSpotVenue
    ) -> UInt64? {
        send(
            method, budget, signed: true, instrument: venue.instrument.id,
            .order(kind, clientOrderId: clientOrderId, replacing: 0)
        ) { request in
            request.apiKey()
            request.string("origClientOrderId", ids.text(clientOrderId))
            request.recvWindow()
            request.string("symbol", venue.symbol)
            request.timestamp()
        }
    }

    /// `myTrades` for one order (by its venue order id, which `order.status` gave); false if it
    /// could not be sent now.
    func askTrades(_ clientOrderId: UInt32, venueOrderId: Int64, on venue: BinanceSpotVenue) -> Bool {
        send(
            "myTrades", .query, signed: true, instrument: venue.instrument.id,
            .order(.trades, clientOrderId: clientOrderId, replacing: 0)
        ) { request in
            request.apiKey()
            request.integer("orderId", venueOrderId)
            request.recvWindow()
            request.string("symbol", venue.symbol)
            request.timestamp()
        } != nil
    }

    /// Why nothing can be sent now, if so.
    private func unready() -> Outcome? {
        guard isReady else { return .notSent("the venue session is not ready") }
        guard pending.count < BinanceSpotConnection.maxPending else {
            return .notSent("\(BinanceSpotConnection.maxPending) requests unanswered")
        }
        return nil
    }

    /// What a signed send of `kind` by a ready session came to: not written with the session
    /// still up is held back (the rate budget, the clock in doubt) or a request too long; with it
    /// down, the write failed and may have gone.
    private func outcome(_ requestId: UInt64?, _ kind: RateBudget.RequestKind) -> Outcome {
        if requestId != nil { return .sent }
        guard session.isReady else { return .uncertain }
        return .notSent(session.heldBack(kind, signed: true) ?? "longer than a request may be")
    }

    /// One request, remembered until answered; nil if not sent.
    private func send(
        _ method: StaticString, _ kind: RateBudget.RequestKind, signed: Bool, instrument: UInt32,
        _ purpose: Purpose, _ parameters: (inout APIRequest) -> Void
    ) -> UInt64? {
        guard session.isReady, pending.count < BinanceSpotConnection.maxPending else { return nil }
        guard let id = session.send(method: method, kind: kind, signed: signed, parameters) else { return nil }
        pending.append(Pending(requestId: id, instrument: instrument, purpose: purpose))
        return id
    }

    /// The end of exec's run (its orders cancelled and answered, or given up on).
    func close() {
        for venue in venues where venue.balances.start != nil {
            note("\(venue.instrument.symbol): \(venue.filters?.baseAsset ?? "base asset") \(venue.balanceText)")
        }
        journal.note("exec session closing")
        journal.flush()
        session.close()
    }
}
