import IPC

/// One instrument's L2 book, kept by the venue's update-id rules (see `apply(_:)`).
///
/// The rules, one form for every venue (`BookDelta` normalises them: `prevUpdateId` is spot's
/// `U - 1` and futures' `pu`):
///
/// - A snapshot replaces the book; its id is `lastUpdateId`. The book is *bridging*. A snapshot
///   older than the last update applied is stale: ignored.
/// - A diff with `updateId <= id` is stale (already in the book): ignored.
/// - Bridging, the first diff must have `prevUpdateId <= id` (spot: `U <= id + 1`; futures:
///   `pu <= id`, which `U <= id <= u` implies); afterwards `prevUpdateId == id` exactly.
/// - Anything else is a gap: the book turns invalid, a resync is requested, and no top is
///   published until a fresh snapshot bridges again.
/// - A diff that leaves the book crossed (best bid >= best ask) also invalidates it.
///
/// A message (a `BookDelta`, then `BookLevels` frames up to `FrameFlags.endOfMessage`) is
/// judged on its first frame and applied whole or not at all.
public final class OrderBook {
    enum State: Equatable {
        case awaitingSnapshot
        case loadingSnapshot
        case bridging
        case synced
    }

    package enum Event: Equatable {
        /// A message was applied (its last frame arrived): the book is valid.
        case applied
        /// Nothing to publish: mid-message, a stale or ignored message.
        case none
        /// A gap or a crossed book: the book is invalid until the next snapshot (`problem`
        /// says why).
        case invalidated
    }

    let instrument: Instrument
    @exclusivity(unchecked) package private(set) var bids: BookSide
    @exclusivity(unchecked) package private(set) var asks: BookSide
    @exclusivity(unchecked) private(set) var state: State = .awaitingSnapshot
    /// The venue update id of the last applied change.
    @exclusivity(unchecked) private(set) var updateId: UInt64 = 0
    /// Why the book was last invalidated.
    private(set) var problem = ""
    /// How the current message is being handled, decided on its first frame.
    @exclusivity(unchecked) private var applyingMessage = false
    @exclusivity(unchecked) private var inMessage = false
    /// The update id of the message being applied.
    @exclusivity(unchecked) private var messageUpdateId: UInt64 = 0

    // Counters for the operator.
    @exclusivity(unchecked) private(set) var messagesApplied: UInt64 = 0
    @exclusivity(unchecked) private(set) var staleMessages: UInt64 = 0
    @exclusivity(unchecked) private(set) var messagesWhileUnsynced: UInt64 = 0
    @exclusivity(unchecked) private(set) var gaps: UInt64 = 0
    /// Messages that lost their first or last frame (a lossy reader was lapped).
    @exclusivity(unchecked) private(set) var incompleteMessages: UInt64 = 0
    @exclusivity(unchecked) private(set) var crossings: UInt64 = 0
    @exclusivity(unchecked) private(set) var snapshots: UInt64 = 0

    package init(instrument: Instrument, capacityPerSide: Int = 10_000) {
        self.instrument = instrument
        bids = BookSide(side: .bid, capacity: capacityPerSide)
        asks = BookSide(side: .ask, capacity: capacityPerSide)
    }

    deinit {
        bids.deallocate()
        asks.deallocate()
    }

    package var isValid: Bool { state == .synced || state == .bridging }

    /// Applies one book-delta frame.
    func apply(_ delta: BookDelta) -> Event {
        withUnsafePointer(to: delta) { apply($0) }
    }

    /// Applies the book-delta frame at `delta` (the first of a message), reading it in place.
    package func apply(_ delta: UnsafePointer<BookDelta>) -> Event {
        let flags = delta.pointee.header.flags
        var event = Event.none
        if inMessage {
            // The last message lost its end (a lossy reader was lapped): what it applied stands alone.
            incompleteMessages &+= 1
            if applyingMessage {
                event = invalidate("the depth message before update \(delta.pointee.updateId) lost its last frame")
            }
        }
        inMessage = true
        switch judge(delta.pointee) {
        case .apply:
            applyingMessage = true
            messageUpdateId = delta.pointee.updateId
        case .skip:
            applyingMessage = false
        case .gap(let reason):
            applyingMessage = false
            event = invalidate(reason)
        }
        if applyingMessage && !flags.contains(.idOnly) {
            set(delta.pointee.sideRaw == Side.bid.rawValue, price: delta.pointee.price, size: delta.pointee.size)
        }
        guard flags.contains(.endOfMessage) else { return event }
        inMessage = false
        return applyingMessage ? finishMessage() : event
    }

    /// Applies one book-levels frame.
    func apply(_ levels: BookLevels) -> Event {
        withUnsafePointer(to: levels) { apply($0) }
    }

    /// Applies the book-levels frame at `levels`, in place: part of the message a delta opened.
    package func apply(_ levels: UnsafePointer<BookLevels>) -> Event {
        let flags = levels.pointee.header.flags
        if !inMessage {
            // Its opening delta was lost (a lossy reader was lapped): skipped to its end.
            inMessage = true
            applyingMessage = false
            incompleteMessages &+= 1
        }
        if applyingMessage {
            set(!flags.contains(.firstLevelAsk), price: levels.pointee.firstPrice, size: levels.pointee.firstSize)
            if flags.contains(.secondLevel) {
                set(
                    !flags.contains(.secondLevelAsk), price: levels.pointee.secondPrice, size: levels.pointee.secondSize
                )
            }
        }
        guard flags.contains(.endOfMessage) else { return .none }
        inMessage = false
        return applyingMessage ? finishMessage() : .none
    }

    @inline(__always)
    private func set(_ bid: Bool, price: Int64, size: Int64) {
        if bid { bids.set(price: price, size: size) } else { asks.set(price: price, size: size) }
    }

    /// The message being applied is whole: the book moves on to its update id.
    private func finishMessage() -> Event {
        if state == .loadingSnapshot {
            state = .bridging
            snapshots &+= 1
        } else {
            state = .synced
            messagesApplied &+= 1
        }
        updateId = messageUpdateId
        if !bids.isEmpty && !asks.isEmpty && bids.bestPrice >= asks.bestPrice {
            crossings &+= 1
            return invalidate(
                "crossed book after update \(updateId): bid \(instrument.formatPrice(bids.bestPrice)) >= ask "
                    + "\(instrument.formatPrice(asks.bestPrice))"
            )
        }
        return .applied
    }

    private enum Judgement {
        case apply, skip
        case gap(String)
    }

    /// What to do with the message that `first` opens; a snapshot resets the book here.
    private func judge(_ first: BookDelta) -> Judgement {
        if first.header.flags.contains(.snapshot) {
            // Older than what the book has applied (a snapshot repeated late): applying it would
            // take the book, and its published top, back in time.
            if first.updateId < updateId {
                staleMessages &+= 1
                return .skip
            }
            bids.removeAll()
            asks.removeAll()
            state = .loadingSnapshot
            return .apply
        }
        switch state {
        case .awaitingSnapshot, .loadingSnapshot:
            messagesWhileUnsynced &+= 1
            return .skip
        case .bridging, .synced:
            if first.updateId <= updateId {
                staleMessages &+= 1
                return .skip
            }
            let prev = first.prevUpdateId
            if prev == updateId || (state == .bridging && prev <= updateId) { return .apply }
            gaps &+= 1
            return .gap("gap: update \(first.updateId) follows \(prev), the book is at \(updateId)")
        }
    }

    /// The feed says the venue connection was lost: invalid until the next snapshot.
    package func reset(_ reason: String) -> Event {
        inMessage = false
        return invalidate(reason)
    }

    private func invalidate(_ reason: String) -> Event {
        problem = reason
        state = .awaitingSnapshot
        bids.removeAll()
        asks.removeAll()
        return .invalidated
    }
}
