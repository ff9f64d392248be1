import IPC

/// exec's two inputs in one order, when it reads the market from feed's ring itself (`--market`)
/// and only tops and quote intents from signal's output:
///
/// ```text
///   feed ──md──► book --progress ──tops──► signal --pass-tops ──quotes──► exec
///     └──────────────────────────── md ────────────────────────────────────►┘
/// ```
///
/// The order is the one a single stream through `book --pass-deltas` and `signal --pass-through`
/// gives: every frame of a market message, then what book and signal derived from it (its top,
/// the intents it caused), then the next message. It depends on nothing but the two streams, so
/// a replay still journals the same bytes. Receive times name market messages (feed's
/// `MessageTimeline` makes them strictly increasing) and every frame signal writes carries its
/// cause's, so:
///
/// - a top or intent with receive time t waits until exec has handled market message t whole;
/// - the next market message waits until every signal frame caused by the messages before it
///   has been read: `derivedThroughNs`, raised by progress frames (to their time: book writes
///   one after each batch, signal passes it on) and by every other signal frame (to its time
///   less 1 ns: it was written after everything caused by earlier messages).
struct MarketMerge {
    /// Every signal frame caused by market messages received up to here has been read.
    private(set) var derivedThroughNs = Int64.min
    /// The last market frame handled: its receive time, and whether its message is whole.
    private(set) var marketTimeNs = Int64.min
    private(set) var inMessage = false
    /// Signal's output ended: the rest of the market has nothing more to wait for.
    var signalEnded = false
    /// The market ended: a top or intent waiting for a message that never came goes now.
    var marketEnded = false

    /// May the next market frame be handled now?
    @inline(__always)
    func admits(_ header: FrameHeader) -> Bool {
        inMessage || signalEnded || marketTimeNs <= derivedThroughNs
    }

    /// A market frame was handled.
    @inline(__always)
    mutating func handledMarket(_ header: FrameHeader) {
        marketTimeNs = header.receiveTimeNs
        inMessage = !header.endsMessage
    }

    /// A frame was read from signal's output.
    mutating func read(fromSignal frame: Frame) {
        let through: Int64
        if frame.header.messageType == .control, frame.as(Control.self).command == .progress {
            through = frame.as(Control.self).value
        } else {
            through = frame.header.receiveTimeNs &- 1
        }
        derivedThroughNs = max(derivedThroughNs, through)
    }

    /// Tops, quote intents and strategies' orders are exec's from signal's output; the rest
    /// (trades, definitions, controls) exec reads from the market itself.
    static func isHandled(fromSignal header: FrameHeader) -> Bool {
        header.type == MessageType.quoteIntent.rawValue || header.type == MessageType.bookTop.rawValue
            || header.type == MessageType.orderIntent.rawValue
    }

    /// May a top or intent read from signal be handled now: is the market message that caused it
    /// handled whole?
    func isDue(_ header: FrameHeader) -> Bool {
        marketEnded || (!inMessage && marketTimeNs >= header.receiveTimeNs)
    }
}
