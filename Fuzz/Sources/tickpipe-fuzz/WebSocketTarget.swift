@testable import Network

/// Bytes from a WebSocket server (the live feed's connection): the frame reader takes them in
/// pieces of the sizes the input's first byte gives, as a socket hands them over, and every
/// message it hands out lies inside its own buffers and under the size limit.
enum WebSocketTarget {
    static func run(_ input: UnsafeRawBufferPointer) {
        guard let first = input.first else { return }
        let frames = WebSocketFrameReader()
        let piece = Int(first) + 1
        var offset = 1
        while offset < input.count {
            let count = min(piece, input.count - offset)
            guard let space = try? frames.freeSpace(), space.count >= count else { return }
            space.copyMemory(from: UnsafeRawBufferPointer(rebasing: input[offset..<(offset + count)]))
            frames.received(count)
            offset += count
            do {
                while let frame = try frames.next() {
                    if case .message(let bytes) = frame, bytes.count > WebSocketFrameReader.maxMessageBytes {
                        fatalError("a message of \(bytes.count) bytes passed the limit")
                    }
                }
            } catch {
                return
            }
        }
    }
}
