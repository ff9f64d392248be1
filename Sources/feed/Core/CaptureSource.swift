import Glibc
import IPC

/// A capture written by `feed --record`: the frames replayed exactly as recorded, bit for bit
/// (the stream numbers them again, as it always does, from 0), paced by their receive times.
/// The file is mapped and loaded before the first frame goes out (`FrameStreamReader(mapping:)`),
/// as a backtester loads its data before it runs: at full speed a step checks a few hundred
/// frames in place, copies them to the batch in one go (it stays in cache) and on to the ring,
/// with no system call. A damaged frame ends the replay with an error naming it, once every
/// whole message before it has gone out (the message it is in does not); so does a capture that
/// ends inside a message.
final class CaptureSource: MarketDataSource {
    private let reader: FrameStreamReader
    private let file: FileDescriptor
    /// A step ends with the message that brings the batch to this many frames: 1 when paced
    /// (each message goes out at its own time), more at full speed, where a step per message
    /// cost as much as the frames it carried.
    private let stepFrames: Int
    let instruments: [Instrument] = []
    @exclusivity(unchecked) private var frames: UInt64 = 0
    /// A defect met after whole messages that went out in the step before it: thrown next.
    private var failure: FeedError?
    var summary: String { "feed: replayed \(frames) frames of \(reader.subject)" }

    /// True if the file starts with a frame stream header.
    static func isCapture(_ path: String) -> Bool {
        guard let file = try? FileDescriptor.open(path, .readOnly) else { return false }
        defer { try? file.close() }
        var magic: UInt64 = 0
        return (try? file.read(into: &magic, count: 8, atOffset: 0)) == 8 && magic == FrameStreamHeader.magicValue
    }

    /// `paced`: the feed releases each step at its source time.
    init(path: String, paced: Bool) throws(FeedError) {
        stepFrames = paced ? 1 : CaptureSource.unpacedStepFrames
        do { file = try FileDescriptor.open(path, .readOnly) } catch { throw .data("feed: \(error)") }
        reader = FrameStreamReader(mapping: file.rawValue, subject: path)
    }

    static let unpacedStepFrames = 256

    deinit { try? file.close() }

    func next(into batch: FrameBatch) throws(FeedError) -> SourceStep {
        if let failure { throw failure }
        var time: Int64 = 0
        // The batch up to its last whole message, and that message's time.
        var wholeFrames = 0
        var wholeTime: Int64 = 0
        // Whole messages, up to the one that brings the batch to `stepFrames` (or fills it):
        // frames are checked in place and copied to the batch in one go.
        while batch.count < batch.capacity {
            // Checked just ahead of the copy, while the frames are still in cache.
            let limit = min(batch.capacity - batch.count, max(stepFrames - batch.count, 64))
            let peeked: FrameStreamReader.Peek
            do {
                peeked = try reader.peek(limit: limit)
            } catch {
                return try stop(.data("feed: \(error)"), batch: batch, wholeFrames: wholeFrames, wholeTime: wholeTime)
            }
            guard case .frames(let run) = peeked else {
                // The end. Book deltas up to one without its end-of-message flag are half a
                // message (a recorder stopped mid-write): a book would apply them as a whole one.
                var whole = batch.count
                while whole > wholeFrames && !batch[whole - 1].header.endsMessage { whole -= 1 }
                guard whole < batch.count else { return batch.count > 0 ? .frames(at: time) : .end }
                let partial = batch.count - whole
                let error = FeedError.data(
                    "feed: \(reader.subject): ends inside a message: its last \(partial) frames "
                        + "(from frame \(frames - UInt64(partial))) have no end-of-message frame; not replayed")
                return try stop(
                    error, batch: batch, wholeFrames: whole,
                    wholeTime: whole > wholeFrames ? batch[whole - 1].header.receiveTimeNs : wholeTime)
            }
            var taken = 0
            var stepEnds = false
            while taken < run.count && !stepEnds {
                if run[taken].header.flags.contains(.endOfMessage) {
                    wholeFrames = batch.count + taken + 1
                    wholeTime = run[taken].header.receiveTimeNs
                    stepEnds = wholeFrames >= stepFrames
                }
                taken += 1
            }
            let step = UnsafeBufferPointer(rebasing: run[..<taken])
            batch.append(contentsOf: step)
            reader.consume(taken)
            frames &+= UInt64(taken)
            time = step[taken - 1].header.receiveTimeNs
            if stepEnds { break }
        }
        return .frames(at: time)
    }

    /// The replay stops at `error`: the whole messages before it go out in this step, the error
    /// ends the next (or this one, if there are none).
    private func stop(_ error: FeedError, batch: FrameBatch, wholeFrames: Int, wholeTime: Int64) throws(FeedError)
        -> SourceStep
    {
        frames &-= UInt64(batch.count - wholeFrames)
        batch.truncate(to: wholeFrames)
        guard wholeFrames > 0 else { throw error }
        failure = error
        return .frames(at: wholeTime)
    }
}
