import BinanceAPI
import IPC
import Network

/// The venue's trades as a live run's venue journal holds them (`exec report --venue-journal`):
/// each `executionReport` TRADE event and each `myTrades` row received, once per symbol and trade
/// id, with its commission in the asset the venue charged it in. The journal's own fills carry
/// fees in the quote (a third asset's, BNB's, as 0): this is what was paid, asset by asset.
///
/// ```text
///   {"t_ns":…,"received":{"subscriptionId":0,"event":{"e":"executionReport",…,"x":"TRADE",…,
///                         "n":"0.00050000","N":"BTC",…,"t":17,…}}}
///   {"t_ns":…,"received":{"id":42,"status":200,"result":[{"symbol":"BTCUSDT","id":17,…,
///                         "commission":"0.00050000","commissionAsset":"BTC",…}],…}}
/// ```
///
/// A line that is not JSON, or a trade whose commission is not a decimal, is counted and the
/// first few named (line number and why); the rest is read on.
struct VenueJournalTrades {
    /// By symbol: the trade ids seen, and the commissions by asset (10^-18 of the asset).
    private(set) var tradeIds: [String: Set<Int64>] = [:]
    private(set) var commissions: [String: [String: Int128]] = [:]
    private(set) var problems: [String] = []
    private(set) var problemCount = 0

    static let problemsNamed = 5

    /// Reads the venue journal at `path`.
    init(path: String) throws(SystemError) {
        let bytes = try FileDescriptor.readAll(path)
        var start = 0
        var number = 0
        bytes.withUnsafeBufferPointer { bytes in
            while start < bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != 0x0A { end += 1 }
                number += 1
                if end > start { add(UnsafeBufferPointer(rebasing: bytes[start..<end]), line: number) }
                start = end + 1
            }
        }
    }

    init() {}

    /// One line of the journal: a trade it received, if it is one.
    mutating func add(_ line: UnsafeBufferPointer<UInt8>, line number: Int) {
        do {
            var scanner = JSONScanner(line)
            var received: Range<Int>?
            try scanner.object { (scanner, key) throws(JSONScanner.Failure) in
                guard scanner.equals(key, "received") else { return try scanner.skipValue() }
                let start = scanner.offset
                try scanner.skipValue()
                received = start..<scanner.offset
            }
            guard let received else { return }
            let bytes = UnsafeBufferPointer(rebasing: line[received])
            let message = try APIMessage(bytes)
            if let event = message.event, let type = message.eventType,
                JSONScanner(bytes).equals(type, "executionReport")
            {
                let report = try ExecutionReportEvent(bytes, event)
                guard JSONScanner(bytes).equals(report.executionType!, "TRADE"), report.tradeId >= 0 else { return }
                try book(bytes, report.symbol!, report.tradeId, report.commission, report.commissionAsset)
            } else if let result = message.result, bytes[result.lowerBound] == 0x5B {
                // An array: a myTrades answer's rows carry a commission; other answers' none.
                var rows: [AccountTrade] = []
                try? AccountTrade.read(bytes, result) { rows.append($0) }
                for row in rows where row.commissionAsset != nil {
                    guard let symbol = row.symbol else { continue }
                    try book(bytes, symbol, row.id, row.commission, row.commissionAsset)
                }
            }
        } catch {
            problem("line \(number): \(error)")
        }
    }

    private mutating func book(
        _ bytes: UnsafeBufferPointer<UInt8>, _ symbolRange: Range<Int>, _ id: Int64, _ commission: Range<Int>?,
        _ asset: Range<Int>?
    ) throws(JSONScanner.Failure) {
        let symbol = String(decoding: UnsafeBufferPointer(rebasing: bytes[symbolRange]), as: UTF8.self)
        guard tradeIds[symbol, default: []].insert(id).inserted else { return }
        guard let commission, let asset else { return }
        guard let amount = AccountBalance.attoUnits(bytes, commission) else {
            throw JSONScanner.Failure(offset: commission.lowerBound, message: "a commission that is not a decimal")
        }
        let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[asset]), as: UTF8.self)
        // Each amount is below 10^38; their sum is checked (a file can hold anything).
        let (sum, overflow) = (commissions[symbol]?[name] ?? 0).addingReportingOverflow(amount)
        guard !overflow else {
            throw JSONScanner.Failure(offset: commission.lowerBound, message: "\(name) commissions past 128 bits")
        }
        commissions[symbol, default: [:]][name] = sum
    }

    private mutating func problem(_ text: String) {
        problemCount += 1
        if problems.count < VenueJournalTrades.problemsNamed { problems.append(text) }
    }

    /// "0.00380000 BTC, 1.28010200 USDT" (assets in name order); "none" without any.
    func commissionText(_ symbol: String) -> String {
        let paid = (commissions[symbol] ?? [:]).sorted { $0.key < $1.key }
        return paid.isEmpty
            ? "none"
            : paid.map { "\(AccountBalance.text(attoUnits: $0.value).dropFirst()) \($0.key)" }.joined(separator: ", ")
    }
}
