import IPC

/// One symbol's base asset at the venue against what exec's own fills explain. On spot the
/// balance is the position: from the balance read at the start (`account.status`), exec's fills
/// since then (bought − sold) less the commissions paid in the base asset should give every
/// later balance (`outboundAccountPosition`, `account.status` after a reconnect). What they do
/// not explain — a deposit, a withdrawal, another session trading the same account, a fill exec
/// never heard of — is a difference, said once it has stayed the same for `settleNs` (a balance
/// event may come before the fill's own event, or after: the two cross for a moment).
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
    /// Bought − sold of fills this run booked that the start balance held already (an earlier
    /// run's orders, filled while no exec listened).
    private(set) var filledBefore: Int128 = 0
    /// The position the journal carried on (`--append`), and the adjustments booked since.
    var carried: Int128 = 0
    private(set) var adjusted: Int128 = 0
    /// `--inventory-target`: the position is the balance minus it; nil: the balance at the start
    /// less the position exec held then.
    var target: Int128?
    /// The lots due for an adjustment, and a difference other than the one last said, until
    /// each has stayed the same for `settleNs`.
    private var adjustmentSettling = Settling<Int64>()
    private var differenceSettling = Settling<Int128>()
    private var said: Int128 = 0
    /// Fills heard before the start balance was read: counted once it is, if they are newer.
    private var early: [(amount: Int128, fee: Int128, timeMs: Int64)] = []

    init() { early.reserveCapacity(BalanceReconciliation.earlyFills) }

    static let earlyFills = 64

    /// The balance at which the position is zero: `target`, or the start balance less what exec
    /// held then; nil before the start balance.
    var inventoryTarget: Int128? {
        guard let start else { return nil }
        return target ?? start.balance - carried - filledBefore
    }

    /// What moved the balance that the fills do not explain; nil before the start balance.
    var unexplained: Int128? {
        guard let start, let balance else { return nil }
        return balance - start.balance - filled + baseFees
    }

    /// A balance read (`updateMs`: the venue's time of the account's last update).
    mutating func balanceRead(_ amount: Int128, updateMs: Int64) {
        if start == nil {
            start = (amount, updateMs)
            for fill in early {
                if fill.timeMs > updateMs {
                    filled += fill.amount
                    baseFees += fill.fee
                } else {
                    filledBefore += fill.amount
                }
            }
            early.removeAll()
        }
        balance = amount
    }

    /// A fill at the venue's `timeMs`: `amount` bought (> 0) or sold (< 0), `fee` of it paid in
    /// the base asset. Fills the start balance holds already are left out.
    mutating func filled(_ amount: Int128, baseFee fee: Int128, timeMs: Int64) {
        guard let start else {
            if early.count < BalanceReconciliation.earlyFills { early.append((amount, fee, timeMs)) }
            return
        }
        if timeMs <= start.updateMs {
            filledBefore += amount
            return
        }
        filled += amount
        baseFees += fee
    }

    /// A difference other than the one last said that has stayed the same for `settleNs`, at
    /// every call (a call each duty cycle: a fill's event and the balance's crossing move it for
    /// a moment, and start it over); 0 when the two agree again after a difference was said;
    /// nil if nothing new.
    mutating func newDifference(nowNs: Int64) -> Int128? {
        let difference = unexplained ?? 0
        guard difference != said else {
            differenceSettling.reset()
            return nil
        }
        guard differenceSettling.held(difference, nowNs: nowNs) else { return nil }
        said = difference
        return difference
    }

    /// The position exec books (carried on + fills + adjustments) against the account's (the
    /// balance minus the target), in whole lots of `lot` (10^-18 of the asset each): the lots to
    /// add (> 0) or take away once that has stayed the same for `settleNs`, at every call; nil
    /// while they agree, or until then. What is less than a lot is left out.
    mutating func adjustmentDue(lot: Int128, nowNs: Int64) -> Int64? {
        guard let target = inventoryTarget, let balance else { return nil }
        let wanted = balance - target - (carried + filledBefore + filled + adjusted)
        let lots = wanted / lot
        guard lots != 0, lots.magnitude <= UInt128(FrameLayout.maxQuantity) else {
            adjustmentSettling.reset()
            return nil
        }
        guard adjustmentSettling.held(Int64(lots), nowNs: nowNs) else { return nil }
        return Int64(lots)
    }

    /// `lots` of `lot` booked as an adjustment.
    mutating func adjust(_ lots: Int64, lot: Int128) { adjusted += Int128(lots) * lot }

    /// A value acted on only once it has been the same at every call for `settleNs`.
    private struct Settling<Value: Equatable> {
        private var seen: (value: Value, sinceNs: Int64)?

        /// True once `value` has been given at every call for `settleNs` (then it starts over);
        /// another value starts the wait again.
        mutating func held(_ value: Value, nowNs: Int64) -> Bool {
            guard let seen, seen.value == value else {
                self.seen = (value, nowNs)
                return false
            }
            guard nowNs - seen.sinceNs >= BalanceReconciliation.settleNs else { return false }
            self.seen = nil
            return true
        }

        mutating func reset() { seen = nil }
    }
}
