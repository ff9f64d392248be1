import Glibc
import IPC

/// A capture written by `feed --record`: the frames replayed exactly as recorded, bit for bit
/// (the stream numbers them again, as it always does, from 0), paced by their receive times.
/// The file is mapped and loaded before the first frame goes out (`PipeFrameReader(mapping:)`),
/// as a backtester loads its data before it runs: a replay at full speed copies each frame
/// once, from the page cache to the ring, with no system call.
final class CaptureSource: MarketDataSource {
    private let reader: PipeFrameReader
    private let fd: Int32
    let instruments: [Instrument] = []
    @exclusivity(unchecked) private var frames: UInt64 = 0
    var summary: String { "feed: replayed \(frames) frames of \(reader.subject)" }

    /// True if the file starts with a frame stream header.
    static func isCapture(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var magic: UInt64 = 0
        return read(fd, &magic, 8) == 8 && magic == FrameStreamHeader.magicValue
    }

    init(path: String) throws(FeedError) {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .data("feed: cannot open \(path): \(String(cString: strerror(errno)))") }
        reader = PipeFrameReader(mapping: fd, subject: path)
    }

    deinit { close(fd) }

    func next(into batch: FrameBatch) throws(FeedError) -> SourceStep {
        var time: Int64 = 0
        var endOfMessage = false
        // One venue message per batch: frames up to one that ends a message (or fills the batch).
        while !endOfMessage && batch.count < batch.capacity {
            let result: PipeFrameReader.ReadResult
            do {
                result = try reader.read(limit: batch.capacity - batch.count, while: { _ in !endOfMessage }) { frame in
                    batch.append(frame.pointee)
                    frames &+= 1
                    time = frame.pointee.header.receiveTimeNs
                    endOfMessage = frame.pointee.header.flags.contains(.endOfMessage)
                }
            } catch {
                throw .data("feed: \(error)")
            }
            if case .frames = result { continue }
            return batch.count > 0 ? .frames(at: time) : .end
        }
        return .frames(at: time)
    }
}
