import IPC

/// Binance's "how to manage a local order book" on the feed's side, per instrument: depth diffs
/// that arrive before the REST snapshot are buffered; when the snapshot comes, the feed emits
/// it, drops the buffered diffs it already contains (`u <= lastUpdateId`) and emits the rest.
/// If even the first buffered diff starts after the snapshot (the snapshot is older than the
/// stream), the snapshot cannot be bridged: it is reported and the feed waits for another.
///
/// The book applies the same id rules again on its side; the feed's part is what a live client
/// must do before it has anything to publish. A live feed (`resyncOnGap`) also follows the chain
/// once synced: on a gap it stops, buffers from the diff after the hole, and asks for a new
/// snapshot, as Binance says to ("discard your local order book and restart").
final class DepthSnapshotSync {
    enum DiffResult: Equatable {
        case passed
        case buffered
        /// The stream skipped updates: the message is buffered and a new snapshot is needed.
        case gap(String)
    }

    let instrument: Instrument
    let resyncOnGap: Bool
    private let pending = FrameBatch(capacity: 1 << 17)
    @exclusivity(unchecked) private(set) var synced = false
    /// The last update id passed on, and whether the next diff is the first after a snapshot.
    @exclusivity(unchecked) private var lastUpdateId: UInt64 = 0
    @exclusivity(unchecked) private var bridging = false
    @exclusivity(unchecked) private(set) var staleDropped: UInt64 = 0
    @exclusivity(unchecked) private(set) var overflows: UInt64 = 0
    /// The newest update id passed on since the last snapshot (a snapshot older is stale).
    @exclusivity(unchecked) private var newestPassed: UInt64 = 0
    @exclusivity(unchecked) private(set) var staleSnapshots: UInt64 = 0

    init(instrument: Instrument, resyncOnGap: Bool) {
        self.instrument = instrument
        self.resyncOnGap = resyncOnGap
    }

    /// A diff message's frames (`batch[start..<batch.count]`): passed on if synced (and, for a
    /// live feed, chained), else moved into the buffer.
    func diff(_ batch: FrameBatch, from start: Int) -> DiffResult {
        if synced {
            guard start < batch.count else { return .passed }
            let first = batch[start].as(BookDelta.self)
            newestPassed = max(newestPassed, first.updateId)
            guard resyncOnGap else { return .passed }
            if first.updateId <= lastUpdateId { return .passed } // stale: the book ignores it
            if first.prevUpdateId == lastUpdateId || (bridging && first.prevUpdateId <= lastUpdateId) {
                lastUpdateId = first.updateId
                bridging = false
                return .passed
            }
            let reason =
                "\(instrument.symbol): gap in the venue's stream: update \(first.updateId) follows "
                + "\(first.prevUpdateId), the last was \(lastUpdateId); resyncing from a new snapshot"
            reset()
            buffer(batch, from: start)
            return .gap(reason)
        }
        buffer(batch, from: start)
        return .buffered
    }

    private func buffer(_ batch: FrameBatch, from start: Int) {
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
        if synced && lastUpdateId < newestPassed {
            // A snapshot older than the diffs already passed on (a repeated or late REST
            // answer): the book has moved past it.
            batch.truncate(to: snapshotStart)
            staleSnapshots &+= 1
            return
                "\(instrument.symbol): snapshot \(lastUpdateId) is older than update \(newestPassed) already passed "
                + "on: ignored"
        }
        // The first buffered message the snapshot does not contain must start inside it.
        var index = 0
        while index < pending.count {
            let delta = pending[index].as(BookDelta.self)
            if delta.updateId > lastUpdateId {
                if delta.prevUpdateId > lastUpdateId {
                    batch.truncate(to: snapshotStart)
                    return
                        "\(instrument.symbol): snapshot \(lastUpdateId) is older than the first buffered diff "
                        + "(\(delta.prevUpdateId + 1)...\(delta.updateId)): waiting for a newer snapshot"
                }
                break
            }
            staleDropped &+= 1
            index = messageEnd(from: index) + 1
        }
        // The kept diffs must chain from the snapshot (a live feed checks; the book always does).
        var chained = lastUpdateId
        var position = index
        while resyncOnGap && position < pending.count {
            let delta = pending[position].as(BookDelta.self)
            guard delta.prevUpdateId == chained || (position == index && delta.prevUpdateId <= chained) else {
                batch.truncate(to: snapshotStart)
                let reason =
                    "\(instrument.symbol): gap inside the buffered diffs: update \(delta.updateId) follows "
                    + "\(delta.prevUpdateId), expected \(chained); waiting for a newer snapshot"
                dropBuffered(before: position)
                return reason
            }
            chained = delta.updateId
            position = messageEnd(from: position) + 1
        }
        self.lastUpdateId = chained
        newestPassed = lastUpdateId
        var opening = index
        while opening < pending.count {
            newestPassed = max(newestPassed, pending[opening].as(BookDelta.self).updateId)
            opening = messageEnd(from: opening) + 1
        }
        bridging = index >= pending.count
        for position in index..<pending.count { batch.append(pending[position]) }
        pending.removeAll()
        synced = true
        return nil
    }

    /// Forgets the buffered frames before `position` (they end before a hole).
    private func dropBuffered(before position: Int) {
        let kept = pending.count - position
        for offset in 0..<kept { pending.storage[offset] = pending.storage[position + offset] }
        pending.truncate(to: kept)
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
