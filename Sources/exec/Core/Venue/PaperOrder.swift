import IPC

/// An order on the paper venue: what was sent, what is left, where it stands in its level's
/// queue once it rests, and when it (and a cancel for it) reach the venue. A struct at module
/// level, not nested in the generic `PaperVenue`: nested, its type would depend on the venue's
/// models, and code not specialised for them (a core driven from another module) would search
/// and copy the orders through runtime value witnesses, allocating on every access.
struct PaperOrder: Equatable {
    var command: OrderCommand
    var remaining: Int64
    var queue: QueuePosition?
    var arrivesAtNs: Int64
    /// When a cancel sent for it reaches the venue, if one was sent.
    var cancelArrivesAtNs: Int64?
}
