import Glibc
import IPC

/// A capture written by `feed --record`: the frames replayed exactly as recorded, bit for bit
/// (the stream numbers them again, as it always does, from 0), paced by their receive times.
final class CaptureSource: MarketDataSource {
    private let reader: PipeFrameReader
    private let fd: Int32
    let instruments: [Instrument] = []
    private var frames: UInt64 = 0
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
        reader = PipeFrameReader(fd: fd, subject: path)
    }

    deinit { close(fd) }

    func next(into batch: FrameBatch) throws(FeedError) -> SourceStep {
        var time: Int64 = 0
        let result: PipeFrameReader.ReadResult
        do {
            // One venue message per batch: stop after a frame that ends a message.
            result = try reader.read(limit: 1) { frame in
                batch.append(frame.pointee)
                frames &+= 1
                time = frame.pointee.header.receiveTimeNs
            }
        } catch {
            throw .data("feed: \(error)")
        }
        switch result {
        case .frames: return .frames(at: time)
        case .endOfStream, .nothingYet: return .end
        }
    }
}
