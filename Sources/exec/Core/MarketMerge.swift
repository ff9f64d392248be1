import IPC

/// exec's inputs in one order, when it reads the market from feed's ring itself (`--market`)
/// and only tops and intents from signals' outputs — one signal per bot, input k bot k's:
///
/// ```text
///   feed ──md──► book --progress ──tops──► signal --pass-tops ──────quotes──► exec (input 0)
///     │                               └──► signal --bot 1 ─────────quotes──►  (input 1)
///     └──────────────────────────── md ──────────────────────────────────────► (market)
/// ```
///
/// The order is the one a single stream through `book --pass-deltas` and `signal --pass-through`
/// gives: every frame of a market message, then what book and the signals derived from it (its
/// top, the intents it caused: bot by bot at equal times), then the next message. It depends on
/// nothing but the streams, so a replay still journals the same bytes. Receive times name market
/// messages (feed's `MessageTimeline` makes them strictly increasing) and every frame a signal
/// writes carries its cause's, so:
///
/// - a top or intent with receive time t waits until exec has handled market message t whole;
/// - the next market message waits until every signal frame caused by the messages before it
///   has been read from every input: an input's `derivedThroughNs`, raised by progress frames (to
///   their time: book writes one after each batch, the signals pass it on) and by every other
///   frame (to its time less 1 ns: it was written after everything caused by earlier messages);
/// - of the inputs' waiting frames, the one with the least key (time, input) goes first, once no
///   other input can still send one with a smaller key: it has ended, or has a waiting frame of
///   its own, or has vouched for the time. A frame's time in that key is never less than what its
///   input vouched for before it (a pair's other leg may carry its instrument's older time).
struct MarketMerge {
    /// Per input: every frame caused by market messages received up to here has been read.
    private(set) var derivedThroughNs: [Int64]
    /// Per input: its output ended.
    private(set) var ended: [Bool]
    /// The least `derivedThroughNs` of the inputs still open (`.max`: every one ended): how far
    /// the market may go.
    private(set) var liveFloorNs = Int64.min
    /// The last market frame handled: its receive time, and whether its message is whole.
    private(set) var marketTimeNs = Int64.min
    private(set) var inMessage = false
    /// The market ended: a top or intent waiting for a message that never came goes now.
    var marketEnded = false

    init(inputs: Int = 1) {
        derivedThroughNs = Array(repeating: .min, count: inputs)
        ended = Array(repeating: false, count: inputs)
    }

    var inputs: Int { ended.count }
    var everyInputEnded: Bool { liveFloorNs == .max }

    /// May the next market frame be handled now?
    @inline(__always)
    func admits(_ header: FrameHeader) -> Bool {
        inMessage || marketTimeNs <= liveFloorNs
    }

    /// A market frame was handled.
    @inline(__always)
    mutating func handledMarket(_ header: FrameHeader) {
        marketTimeNs = header.receiveTimeNs
        inMessage = !header.endsMessage
    }

    /// A frame was read from `input`: its key's time, for the order among the inputs.
    @discardableResult
    mutating func read(_ frame: Frame, from input: Int) -> Int64 {
        let before = derivedThroughNs[input]
        let through: Int64
        if frame.header.messageType == .control, frame.as(Control.self).command == .progress {
            through = frame.as(Control.self).value
        } else {
            through = frame.header.receiveTimeNs &- 1
        }
        if through > before {
            derivedThroughNs[input] = through
            if before == liveFloorNs { updateFloor() }
        }
        return max(frame.header.receiveTimeNs, before &+ 1)
    }

    /// `input`'s output ended.
    mutating func end(_ input: Int) {
        ended[input] = true
        updateFloor()
    }

    private mutating func updateFloor() {
        liveFloorNs = .max
        for input in ended.indices where !ended[input] { liveFloorNs = min(liveFloorNs, derivedThroughNs[input]) }
    }

    /// Tops, quote intents and strategies' orders are exec's from the signals' outputs (tops from
    /// input 0's only: the others' would mark the same market twice); the rest (trades,
    /// definitions, controls) exec reads from the market itself.
    static func isHandled(_ header: FrameHeader, from input: Int) -> Bool {
        header.type == MessageType.quoteIntent.rawValue || header.type == MessageType.orderIntent.rawValue
            || (input == 0 && header.type == MessageType.bookTop.rawValue)
    }

    /// May a top or intent read from a signal be handled now: is the market message that caused
    /// it handled whole?
    func isDue(_ header: FrameHeader) -> Bool {
        marketEnded || (!inMessage && marketTimeNs >= header.receiveTimeNs)
    }

    /// Can no input but `input` still send a frame with a smaller key than (`keyNs`, `input`),
    /// save those with a waiting frame (`waiting`, whose keys the caller compared)?
    func isFirst(keyNs: Int64, input: Int, waiting: (Int) -> Bool) -> Bool {
        for other in ended.indices where other != input && !ended[other] && !waiting(other) {
            // Its next frame's time is past what it vouched for; at an equal time the lower input goes first.
            guard derivedThroughNs[other] >= (other > input ? keyNs &- 1 : keyNs) else { return false }
        }
        return true
    }
}
