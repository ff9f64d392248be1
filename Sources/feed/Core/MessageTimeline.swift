import IPC

/// Receive times on the feed's stream: one per message, shared by all its frames, and strictly
/// increasing from one message to the next. A message stamped at or before the one ahead of it
/// (received in the same nanosecond or millisecond, a recording's merge, a clock stepped back) is
/// moved to 1 ns after it.
///
/// exec, reading the market from the feed's ring and signal's intents from another, merges the
/// two by these times (see `MarketMerge`): a receive time must name one message.
package struct MessageTimeline {
    private var last = Int64.min
    private var inMessage = false

    package init() {}

    /// Stamps `header` with its message's time on the timeline.
    package mutating func stamp(_ header: inout FrameHeader) {
        if !inMessage {
            last = last == .min ? header.receiveTimeNs : max(header.receiveTimeNs, last + 1)
        }
        header.receiveTimeNs = last
        inMessage = !header.endsMessage
    }
}
