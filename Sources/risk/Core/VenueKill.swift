import BinanceAPI
import Glibc
import IPC
import Network

/// Risk's own session on the venue, with the same key as exec's and nothing to do with exec: the
/// kill that works when exec is dead or hung. Opened at start and kept alive; when trading halts
/// (a limit, `kill -USR1`, the watchdog seeing exec die) it sends `openOrders.cancelAll` for
/// every instrument of the session, then asks `openOrders.status` until the venue shows none open
/// (cancelling again what it still shows, up to `maxRounds` times). A connection lost meanwhile
/// is opened again and the work resumed where it stood.
///
/// A flatten exec did not carry out in time (`flatten`) goes on from there: with no order open,
/// each symbol's rules (`exchangeInfo`) and the account's balances (`account.status`); the
/// position is the base asset's balance less the inventory target exec published in the
/// session's control block, and a MARKET order the other way, on the venue's step, closes it;
/// the balances are read again, and what is left of a step or more is sent again (up to
/// `maxMarketOrders` orders). Without a published target (no live exec read the balances) the
/// position at the venue is unknown, and nothing is sent: said, journaled, alerted.
///
/// Every request it sends and every answer go to its own `VenueJournal` (exec's format), with
/// notes for the kill, a lost connection, each symbol the venue shows flat and each position
/// closed:
///
/// ```text
///   {"t_ns":…,"note":"kill: <the halt's reason>; cancelling every open order on BTCUSDT"}
///   {"t_ns":…,"sent":{"id":5,"method":"openOrders.cancelAll","params":{…,"apiKey":"(redacted)",…}}}
///   {"t_ns":…,"received":{"id":5,"status":200,"result":[…],"rateLimits":[…]}}
///   {"t_ns":…,"note":"flat: BTCUSDT: the venue shows no open order"}
///   {"t_ns":…,"note":"flatten: BTCUSDT: position 0.01500000 (BTC balance +10.01500000, target …); selling …"}
/// ```
///
/// The session's own traffic (time, logon: the logon's answer names the key) is not journaled.
final class VenueKill {
    static let maxRounds = 5
    static let maxMarketOrders = 3
    /// From a market order's answer to reading the balances again: the account settles.
    static let settleAfterOrderNs: Int64 = 300_000_000

    private enum Step {
        case cancel, verify, rules, balance, order, done
    }

    private struct Work {
        let instrument: Instrument
        var step = Step.cancel
        /// The request out for this symbol (0: none), and when the next may go (monotonic).
        var requestId: UInt64 = 0
        var notBeforeNs: Int64 = 0
        var rounds = 0
        /// The position is to be closed once no order is open.
        var closing = false
        var filters: ExchangeFilters?
        /// The market order to send: lots, bought if positive; and how many were sent.
        var orderLots: Int64 = 0
        var marketOrders = 0

        var symbol: String { instrument.symbol }
    }

    let session: WebSocketAPISession
    private let journal: VenueJournal
    private var journalFailureSaid = false
    private var work: [Work] = []
    /// When the kill began (monotonic), for the operator's line.
    private var startedNs: Int64 = 0
    /// Told of what an operator must hear: the session lost, the kill's outcome (event, detail).
    var alert: (String, String) -> Void = { _, _ in }
    /// An instrument's inventory target (10^-18 of its base asset), as exec published it.
    var inventoryTarget: (Instrument) -> Int128? = { _ in nil }
    private(set) var triggered = false
    private(set) var finished = false
    /// The client order id's prefix of risk's market orders: `tpk`, the run's start (ms, base 36).
    private let orderIdPrefix = "tpk" + String(SystemClock.realtimeNanoseconds() / 1_000_000, radix: 36) + "-"
    private var ordersSent = 0

    init(session: WebSocketAPISession, journalPath: String) throws(SystemError) {
        self.session = session
        journal = try VenueJournal(path: journalPath)
        session.journal = journal
        journal.note("risk's kill session opened to \(session.url.host):\(session.url.port)")
        journal.flush()
    }

    /// How long a stopping risk waits for an unfinished kill.
    static let settleLimitNs: Int64 = 10_000_000_000

    /// Nothing left to wait for: no kill, a finished one, or one that has had `settleLimitNs`.
    func settled(nowNs: Int64) -> Bool { !triggered || finished || nowNs - startedNs > VenueKill.settleLimitNs }

    /// Halted: cancel everything on `instruments`, now or as soon as the session is ready.
    func trigger(reason: String, instruments: [Instrument], nowNs: Int64) {
        guard !triggered else { return }
        triggered = true
        startedNs = nowNs
        work = instruments.map { Work(instrument: $0) }
        let symbols = instruments.map(\.symbol).joined(separator: ", ")
        journal.note("kill: \(reason); cancelling every open order on \(symbols)")
        if instruments.isEmpty {
            StandardError.line("risk: kill: the session has no instrument to cancel orders on")
            finished = true
        } else {
            StandardError.line(
                "risk: kill: cancelling every open order on \(symbols) at \(session.url.host):\(session.url.port) "
                    + "on risk's own session")
        }
        sendDue(nowNs: nowNs)
    }

    /// A flatten exec did not carry out: every order cancelled (the kill, if not under way), then
    /// every position closed at the venue with market orders.
    func flatten(reason: String, instruments: [Instrument], nowNs: Int64) {
        trigger(reason: reason, instruments: instruments, nowNs: nowNs)
        journal.note("flatten: \(reason); closing every position at the venue once no order is open")
        StandardError.line("risk: flatten: closing every position at the venue on risk's own session")
        for index in work.indices where !work[index].closing {
            work[index].closing = true
            if work[index].step == .done { closeOnceFlat(index) }
        }
        if work.contains(where: { $0.step != .done }) { finished = false }
        sendDue(nowNs: nowNs)
    }

    /// Keeps the session alive and moves the kill on. No allocation when nothing arrives.
    func poll(nowNs: Int64) {
        _ = session.poll(nowNs: nowNs) { message, bytes in
            answer(message, bytes, nowNs: nowNs)
        } connectionLost: { reason in
            for index in work.indices { work[index].requestId = 0 }
            alert("venue-disconnect", "risk's session to \(session.url.host):\(session.url.port): \(reason)")
            if triggered && !finished { journal.note("connection lost: \(reason)") }
        }
        if triggered && !finished && session.isReady { sendDue(nowNs: nowNs) }
        journal.flush()
        if let failure = journal.failure, !journalFailureSaid {
            journalFailureSaid = true
            StandardError.line("risk: \(failure)")
        }
    }

    private func sendDue(nowNs: Int64) {
        guard session.isReady else { return }
        for index in work.indices
        where work[index].step != .done && work[index].requestId == 0 && nowNs >= work[index].notBeforeNs {
            guard let id = send(work[index]) else { return }
            work[index].requestId = id
        }
    }

    /// The request `work`'s step calls for; nil if the session did not send it.
    private func send(_ work: Work) -> UInt64? {
        let symbol = work.symbol
        switch work.step {
        case .cancel, .verify:
            let cancel = work.step == .cancel
            return session.send(
                method: cancel ? "openOrders.cancelAll" : "openOrders.status", kind: cancel ? .cancel : .query,
                signed: true
            ) { request in
                request.apiKey()
                request.recvWindow()
                request.string("symbol", symbol)
                request.timestamp()
            }
        case .rules:
            return session.send(method: "exchangeInfo", kind: .query, signed: false) { request in
                request.string("symbol", symbol)
            }
        case .balance:
            return session.send(method: "account.status", kind: .query, signed: true) { request in
                request.apiKey()
                request.recvWindow()
                request.timestamp()
            }
        case .order:
            let instrument = work.instrument
            let clientId = orderIdPrefix + String(ordersSent + 1)
            let sent = session.send(method: "order.place", kind: .order, signed: true) { request in
                request.apiKey()
                request.string("newClientOrderId", clientId)
                request.string("newOrderRespType", "RESULT")
                request.decimal(
                    "quantity", count: Int64(work.orderLots.magnitude), mantissa: instrument.lotMantissa,
                    decimals: instrument.lotDecimals)
                request.recvWindow()
                request.string("side", work.orderLots > 0 ? "BUY" : "SELL")
                request.string("symbol", symbol)
                request.timestamp()
                request.string("type", "MARKET")
            }
            if sent != nil { ordersSent += 1 }
            return sent
        case .done:
            return nil
        }
    }

    private func answer(_ message: APIMessage, _ bytes: UnsafeBufferPointer<UInt8>, nowNs: Int64) {
        journal.received(bytes)
        guard let id = message.id, let index = work.firstIndex(where: { $0.requestId == id }) else { return }
        work[index].requestId = 0
        let symbol = work[index].symbol
        switch work[index].step {
        case .cancel:
            // -2011: nothing was open. Either way, what the venue shows now decides.
            if !message.isSuccess && message.errorCode != -2011 {
                StandardError.line(
                    "risk: kill: openOrders.cancelAll \(symbol): \(WebSocketAPISession.describe(message, bytes))")
            }
            work[index].step = .verify
        case .verify:
            let open = message.isSuccess ? Self.arrayCount(bytes, message.result) : nil
            if open == 0 {
                journal.note("flat: \(symbol): the venue shows no open order")
                StandardError.line(
                    "risk: kill: the venue shows no open order on \(symbol), "
                        + "\((nowNs - startedNs) / 1_000_000) ms after the halt")
                work[index].step = .done
                if work[index].closing { closeOnceFlat(index) }
            } else {
                work[index].rounds += 1
                guard work[index].rounds < VenueKill.maxRounds else {
                    StandardError.line(
                        "risk: kill: \(symbol) still shows \(open.map(String.init) ?? "unknown") open orders after "
                            + "\(VenueKill.maxRounds) rounds of cancelling; giving up: see the venue")
                    work[index].step = .done
                    break
                }
                work[index].step = .cancel
            }
        case .rules:
            rulesArrived(index, message, bytes)
        case .balance:
            balancesArrived(index, message, bytes)
        case .order:
            if message.isSuccess {
                work[index].step = .balance
                work[index].notBeforeNs = nowNs + VenueKill.settleAfterOrderNs
            } else {
                giveUp(index, "the market order was refused: \(WebSocketAPISession.describe(message, bytes))")
            }
        case .done:
            break
        }
        if !finished && work.allSatisfy({ $0.step == .done }) {
            finished = true
            alert("kill-done", "the venue shows no open order on \(work.map(\.symbol).joined(separator: ", "))")
        }
        sendDue(nowNs: nowNs)
    }

    private func rulesArrived(_ index: Int, _ message: APIMessage, _ bytes: UnsafeBufferPointer<UInt8>) {
        let instrument = work[index].instrument
        guard message.isSuccess, let result = message.result else {
            return giveUp(index, "exchangeInfo refused: \(WebSocketAPISession.describe(message, bytes))")
        }
        do {
            guard let rules = try SymbolRules.read(bytes, result).first(where: { $0.symbol == instrument.symbol })
            else {
                return giveUp(index, "not in the venue's exchangeInfo")
            }
            work[index].filters = try ExchangeFilters(rules, instrument: instrument)
            work[index].step = .balance
        } catch let error as JSONScanner.Failure {
            giveUp(index, "exchangeInfo unreadable, byte \(error.offset): \(error.message)")
        } catch {
            giveUp(index, "exchange filters unusable: \(error)")
        }
    }

    /// The account's balances: the position is the base asset's balance less exec's target.
    private func balancesArrived(_ index: Int, _ message: APIMessage, _ bytes: UnsafeBufferPointer<UInt8>) {
        let instrument = work[index].instrument
        guard let filters = work[index].filters else { return giveUp(index, "no exchange filters") }
        guard message.isSuccess, let result = message.result else {
            return giveUp(index, "account.status refused: \(WebSocketAPISession.describe(message, bytes))")
        }
        var balance: Int128 = 0
        var unreadable = false
        do {
            _ = try AccountBalance.readAccountStatus(bytes, result) { row in
                guard UnsafeBufferPointer(rebasing: bytes[row.asset]).elementsEqual(filters.baseAsset.utf8) else {
                    return
                }
                if let free = AccountBalance.attoUnits(bytes, row.free),
                    let locked = AccountBalance.attoUnits(bytes, row.locked)
                {
                    balance = free + locked
                } else {
                    unreadable = true
                }
            }
        } catch {
            return giveUp(index, "account.status unreadable, byte \(error.offset): \(error.message)")
        }
        if unreadable { return giveUp(index, "its \(filters.baseAsset) balance is unreadable") }
        guard let target = inventoryTarget(instrument) else { return giveUp(index, "no inventory target") }
        // The target is read from shared memory: a difference past 128 bits is no position.
        let (held, overflow) = balance.subtractingReportingOverflow(target)
        guard !overflow else {
            return giveUp(index, "the inventory target in the control block (\(target)) is out of range")
        }
        let positionLots = held / instrument.lotAttoUnits
        let bounds = filters.marketSizeBounds.step == nil ? filters.sizeBounds : filters.marketSizeBounds
        let step = Int128(max(bounds.step ?? 1, 1))
        var lots = positionLots.magnitude / UInt128(step) * UInt128(step)
        if let maximum = bounds.maximum { lots = min(lots, UInt128(maximum)) }
        let text =
            "\(filters.baseAsset) balance \(AccountBalance.text(attoUnits: balance)), target "
            + AccountBalance.text(attoUnits: target)
        guard lots > 0, lots >= UInt128(max(bounds.minimum ?? 0, 0)), lots <= UInt128(Int64.max) else {
            let left = Int64(clamping: positionLots)
            let line =
                "flatten: \(instrument.symbol): position \(instrument.formatSize(left)) at the venue (\(text))"
                + (left == 0 ? "" : ": less than the venue's smallest market order, left")
            journal.note(line)
            StandardError.line("risk: \(line)")
            alert("risk-flatten", line)
            work[index].step = .done
            return
        }
        guard work[index].marketOrders < VenueKill.maxMarketOrders else {
            return giveUp(
                index,
                "position \(instrument.formatSize(Int64(clamping: positionLots))) still open after "
                    + "\(VenueKill.maxMarketOrders) market orders (\(text))")
        }
        let order = positionLots > 0 ? -Int64(lots) : Int64(lots)
        work[index].orderLots = order
        work[index].marketOrders += 1
        work[index].step = .order
        let line =
            "flatten: \(instrument.symbol): position \(instrument.formatSize(Int64(clamping: positionLots))) "
            + "(\(text)); \(order > 0 ? "buying" : "selling") \(instrument.formatSize(Int64(lots))) at market"
        journal.note(line)
        StandardError.line("risk: \(line)")
    }

    /// No order open on `work[index]`'s symbol: its position is closed next, if exec published
    /// the target it is measured from.
    private func closeOnceFlat(_ index: Int) {
        guard inventoryTarget(work[index].instrument) != nil else {
            return giveUp(
                index,
                "no live exec published its inventory target (none read the balances): the position at the venue "
                    + "is unknown")
        }
        work[index].step = work[index].filters == nil ? .rules : .balance
    }

    /// The flatten of `work[index]` cannot go on: said, journaled, alerted.
    private func giveUp(_ index: Int, _ why: String) {
        let line = "flatten: \(work[index].symbol): \(why); not flattened: see the venue"
        journal.note(line)
        StandardError.line("risk: \(line)")
        alert("risk-flatten", line)
        work[index].step = .done
    }

    /// The end of risk's run: the session closed, the journal written out.
    func close() {
        journal.note("risk's kill session closing")
        journal.flush()
        session.close()
    }

    /// The number of elements of the array at `range`, nil if it is not one.
    private static func arrayCount(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>?) -> Int? {
        guard let range else { return nil }
        var scanner = JSONScanner(bytes, offset: range.lowerBound)
        var count = 0
        do {
            try scanner.array { (scanner) throws(JSONScanner.Failure) in
                try scanner.skipValue()
                count += 1
            }
        } catch { return nil }
        return count
    }
}
