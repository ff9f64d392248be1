import IPC

/// Binance's "how to manage a local order book" on the feed's side, per instrument: depth diffs
/// that arrive before the REST snapshot are buffered; when the snapshot comes, the feed emits
/// it, drops the buffered diffs it already contains (`u <= lastUpdateId`) and emits the rest.
/// If even the first buffered diff starts after the snapshot (the snapshot is older than the
/// stream), the snapshot cannot be bridged: it is reported and the feed waits for another.
///
/// The book applies the same id rules again on its side; the feed's part is what a live client
/// must do before it has anything to publish.
final class DepthSnapshotSync {
    let instrument: Instrument
    private let pending = FrameBatch(capacity: 1 << 17)
    @exclusivity(unchecked) private(set) var synced = false
    @exclusivity(unchecked) private(set) var staleDropped: UInt64 = 0
    @exclusivity(unchecked) private(set) var overflows: UInt64 = 0

    init(instrument: Instrument) { self.instrument = instrument }

    /// A diff message's frames (`batch[start..<batch.count]`): passed on if synced, else moved
    /// into the buffer.
    func diff(_ batch: FrameBatch, from start: Int) {
        guard !synced else { return }
        let count = batch.count - start
        if pending.count + count > pending.capacity {
            // A snapshot that never comes: keep the newest diffs, they are the ones that can bridge.
            overflows &+= 1
            pending.removeAll()
        }
        for index in start..<batch.count { pending.append(batch[index]) }
        batch.truncate(to: start)
    }

    /// A snapshot's frames were appended to `batch` from `snapshotStart`: appends the buffered
    /// diffs it does not contain, or, if it cannot be bridged, takes it back out of the batch
    /// and keeps the diffs for the next one. Returns a problem to report, or nil.
    func snapshot(lastUpdateId: UInt64, into batch: FrameBatch, snapshotStart: Int) -> String? {
        // The first buffered message the snapshot does not contain must start inside it.
        var index = 0
        while index < pending.count {
            let delta = pending[index].as(BookDelta.self)
            if delta.updateId > lastUpdateId {
                if delta.prevUpdateId > lastUpdateId {
                    batch.truncate(to: snapshotStart)
                    return "\(instrument.symbol): snapshot \(lastUpdateId) is older than the first buffered diff (\(delta.prevUpdateId + 1)...\(delta.updateId)): waiting for a newer snapshot"
                }
                break
            }
            staleDropped &+= 1
            index = messageEnd(from: index) + 1
        }
        for position in index..<pending.count { batch.append(pending[position]) }
        pending.removeAll()
        synced = true
        return nil
    }

    private func messageEnd(from index: Int) -> Int {
        var end = index
        while !pending[end].header.flags.contains(.endOfMessage) && end + 1 < pending.count { end += 1 }
        return end
    }

    /// Diffs are waiting for a snapshot to be fetched.
    var awaitingSnapshot: Bool { !synced && pending.count > 0 }

    /// After a gap the book resyncs: buffer again until the next snapshot.
    func reset() {
        synced = false
        pending.removeAll()
    }
}
