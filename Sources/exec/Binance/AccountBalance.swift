import IPC
import Network

/// One asset's balance of the account (BINANCE.md G.3, G.4), read in place: from an
/// `account.status` answer's `balances` or an `outboundAccountPosition` event's `B`, which
/// say the same with different keys.
///
/// ```text
///   account.status:  {…,"updateTime":…,"balances":[{"asset":"BTC","free":"4.72","locked":"0.28"},…]}
///   outboundAccountPosition:  {"e":"outboundAccountPosition","E":…,"u":…,
///                              "B":[{"a":"BTC","f":"4.72","l":"0.28"},…]}
/// ```
public struct AccountBalance {
    public let asset: Range<Int>
    public let free: Range<Int>
    public let locked: Range<Int>

    /// Calls `body` with each balance of the `account.status` result at `range`; returns the
    /// account's last update (`updateTime`, venue ms; 0 if not said).
    public static func readAccountStatus(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ body: (AccountBalance) -> Void
    ) throws(JSONScanner.Failure) -> Int64 {
        try read(
            bytes, range, time: "updateTime", list: "balances", asset: "asset", free: "free", locked: "locked", body)
    }

    /// Calls `body` with each balance of the `outboundAccountPosition` event at `range`; returns
    /// the account's last update (`u`, venue ms; 0 if not said).
    public static func readAccountPosition(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ body: (AccountBalance) -> Void
    ) throws(JSONScanner.Failure) -> Int64 {
        try read(bytes, range, time: "u", list: "B", asset: "a", free: "f", locked: "l", body)
    }

    private static func read(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, time: StaticString, list: StaticString,
        asset: StaticString, free: StaticString, locked: StaticString, _ body: (AccountBalance) -> Void
    ) throws(JSONScanner.Failure) -> Int64 {
        var scanner = JSONScanner(UnsafeBufferPointer(rebasing: bytes[..<range.upperBound]), offset: range.lowerBound)
        var listed = false
        var updateMs: Int64 = 0
        try scanner.object { (scanner, key) throws(JSONScanner.Failure) in
            if scanner.equals(key, time) {
                updateMs = try scanner.signed()
                return
            }
            guard scanner.equals(key, list) else { return try scanner.skipValue() }
            listed = true
            try scanner.array { (scanner) throws(JSONScanner.Failure) in
                var assetName: Range<Int>?
                var freeAmount: Range<Int>?
                var lockedAmount: Range<Int>?
                try scanner.object { (scanner, key) throws(JSONScanner.Failure) in
                    if scanner.equals(key, asset) {
                        assetName = try scanner.string()
                    } else if scanner.equals(key, free) {
                        freeAmount = try scanner.string()
                    } else if scanner.equals(key, locked) {
                        lockedAmount = try scanner.string()
                    } else {
                        try scanner.skipValue()
                    }
                }
                guard let assetName, let freeAmount, let lockedAmount else {
                    throw scanner.failure("a balance without its asset, free or locked amount")
                }
                body(AccountBalance(asset: assetName, free: freeAmount, locked: lockedAmount))
            }
        }
        guard listed else {
            throw JSONScanner.Failure(offset: range.lowerBound, message: "no \(list) list of balances")
        }
        return updateMs
    }

    /// `amount` (10^-18 of the asset) as a signed decimal with 8 to 18 decimals: "+0.00120000",
    /// the inverse of `attoUnits`.
    public static func text(attoUnits amount: Int128) -> String {
        let scale: UInt128 = 1_000_000_000_000_000_000
        var fraction = String(amount.magnitude % scale)
        fraction = String(repeating: "0", count: 18 - fraction.count) + fraction
        while fraction.count > 8, fraction.hasSuffix("0") { fraction.removeLast() }
        return (amount < 0 ? "-" : "+") + "\(amount.magnitude / scale).\(fraction)"
    }

    /// A decimal amount of an asset (`bytes[range]`) in 10^-18 of the asset: exact for every
    /// amount Binance writes (8 decimals); nil for anything but plain digits with at most 18
    /// decimals, or 10^20 whole units or more.
    public static func attoUnits(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int128? {
        var value: Int128 = 0
        var integerDigits = 0
        var decimals = 0
        var point = false
        for index in range {
            let byte = bytes[index]
            if byte == 0x2E, !point, integerDigits > 0 {
                point = true
                continue
            }
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            if point { decimals += 1 } else { integerDigits += 1 }
            // At most 20 + 18 digits: below 10^38, inside Int128 however it is scaled.
            guard integerDigits <= 20, decimals <= 18 else { return nil }
            value = value * 10 + Int128(byte - 0x30)
        }
        guard integerDigits > 0, !(point && decimals == 0) else { return nil }
        for _ in decimals..<18 { value *= 10 }
        return value
    }
}

extension Instrument {
    /// One lot in 10^-18 of the base asset, the scale balances are read in (`attoUnits`): at most
    /// 9.2 × 10^18 × 10^18, inside Int128.
    public var lotAttoUnits: Int128 {
        var units = Int128(lotMantissa)
        for _ in Int(lotDecimals)..<18 { units *= 10 }
        return units
    }
}
