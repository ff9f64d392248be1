/// One symbol's base asset at the venue against what exec's own fills explain. On spot the
/// balance is the position: from the balance read at the start (`account.status`), exec's fills
/// since then (bought − sold) less the commissions paid in the base asset should give every
/// later balance (`outboundAccountPosition`, `account.status` after a reconnect). What they do
/// not explain — a deposit, a withdrawal, another session trading the same account, a fill exec
/// never heard of — is a difference, said once it is the same `settleNs` after it was first
/// seen (a balance event may come before the fill's own event, or after).
///
/// Amounts are in 10^-18 of the asset (`AccountBalance.attoUnits`), in Int128: a balance of
/// 10^20 units at that scale is 10^38, inside Int128's 1.7 × 10^38.
struct BalanceReconciliation {
    static let settleNs: Int64 = 1_000_000_000

    /// Free + locked at the start, and when the venue last updated the account before it (ms):
    /// fills at or before that time are in it already.
    private(set) var start: (balance: Int128, updateMs: Int64)?
    private(set) var balance: Int128?
    /// Bought − sold, and base-asset commissions, of fills after the start balance.
    private(set) var filled: Int128 = 0
    private(set) var baseFees: Int128 = 0
    /// A difference other than the one last said, and when it was first seen (ns).
    private var candidate: (difference: Int128, sinceNs: Int64)?
    private var said: Int128 = 0
    /// Fills heard before the start balance was read: counted once it is, if they are newer.
    private var early: [(amount: Int128, fee: Int128, timeMs: Int64)] = []

    init() { early.reserveCapacity(BalanceReconciliation.earlyFills) }

    static let earlyFills = 64

    /// What moved the balance that the fills do not explain; nil before the start balance.
    var unexplained: Int128? {
        guard let start, let balance else { return nil }
        return balance - start.balance - filled + baseFees
    }

    /// A balance read (`updateMs`: the venue's time of the account's last update).
    mutating func balanceRead(_ amount: Int128, updateMs: Int64, nowNs: Int64) {
        if start == nil {
            start = (amount, updateMs)
            for fill in early where fill.timeMs > updateMs {
                filled += fill.amount
                baseFees += fill.fee
            }
            early.removeAll()
        }
        balance = amount
        moved(nowNs: nowNs)
    }

    /// A fill at the venue's `timeMs`: `amount` bought (> 0) or sold (< 0), `fee` of it paid in
    /// the base asset. Fills the start balance holds already are left out.
    mutating func filled(_ amount: Int128, baseFee fee: Int128, timeMs: Int64, nowNs: Int64) {
        guard let start else {
            if early.count < BalanceReconciliation.earlyFills { early.append((amount, fee, timeMs)) }
            return
        }
        if timeMs <= start.updateMs { return }
        filled += amount
        baseFees += fee
        moved(nowNs: nowNs)
    }

    private mutating func moved(nowNs: Int64) {
        let difference = unexplained ?? 0
        if candidate == nil, difference != said { candidate = (difference, nowNs) }
    }

    /// A difference not said yet that is the same `settleNs` after it was first seen (what
    /// changed in between — a fill's events and the balance's crossing — does not count); 0 when
    /// the two agree again after a difference was said; nil if nothing new.
    mutating func newDifference(nowNs: Int64) -> Int128? {
        guard let seen = candidate, nowNs - seen.sinceNs >= BalanceReconciliation.settleNs else { return nil }
        let difference = unexplained ?? 0
        if difference == said {
            candidate = nil
            return nil
        }
        if difference != seen.difference {
            candidate = (difference, nowNs)
            return nil
        }
        candidate = nil
        said = difference
        return difference
    }

    /// `amount` (10^-18 of the asset) as a signed decimal with 8 to 18 decimals: "+0.00120000".
    static func text(_ amount: Int128) -> String {
        let scale: Int128 = 1_000_000_000_000_000_000
        let magnitude = amount.magnitude
        var fraction = String(magnitude % UInt128(scale))
        fraction = String(repeating: "0", count: 18 - fraction.count) + fraction
        while fraction.count > 8, fraction.hasSuffix("0") { fraction.removeLast() }
        return (amount < 0 ? "-" : "+") + "\(magnitude / UInt128(scale)).\(fraction)"
    }
}
