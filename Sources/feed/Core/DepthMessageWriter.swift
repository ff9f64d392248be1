import IPC

/// Writes one venue depth message into a batch, in the fewest frames: the first level in the
/// `BookDelta` that opens the message (its update ids are set by `end`), the others two to a
/// `BookLevels` frame, in the order given. A message with no level is one id-only delta, so the
/// update-id chain has no hole.
///
/// ```text
///  levels  1        2               3               4                       5
///  frames  [Δ a]    [Δ a][L b  ]    [Δ a][L b c]    [Δ a][L b c][L d  ]     [Δ a][L b c][L d e]
/// ```
struct DepthMessageWriter {
    let batch: FrameBatch
    /// The message's header: type, flags (`.snapshot`), instrument and times.
    let header: FrameHeader
    let start: Int
    private(set) var levels = 0

    init(into batch: FrameBatch, header: FrameHeader) {
        self.batch = batch
        self.header = header
        start = batch.count
    }

    mutating func add(_ side: Side, price: Int64, size: Int64) {
        if levels == 0 {
            batch.append(BookDelta(header: header, side: side, price: price, size: size, updateId: 0, updateIdSpan: 0))
        } else if levels % 2 == 1 {
            batch.append(BookLevels(header: header, side: side, price: price, size: size))
        } else {
            var last = batch[batch.count - 1].as(BookLevels.self)
            last.add(side, price: price, size: size)
            batch.storage[batch.count - 1] = Frame(last)
        }
        levels += 1
    }

    /// Puts the update ids into the opening frame and marks the last frame the end of the message.
    func end(updateId: UInt64, span: UInt32) {
        if levels == 0 {
            var idOnly = header
            idOnly.flags.insert(.idOnly)
            batch.append(
                BookDelta(header: idOnly, side: .bid, price: 0, size: 0, updateId: updateId, updateIdSpan: span))
        } else {
            var first = batch[start].as(BookDelta.self)
            first.updateId = updateId
            first.updateIdSpan = span
            batch.storage[start] = Frame(first)
        }
        batch.endMessage()
    }
}
