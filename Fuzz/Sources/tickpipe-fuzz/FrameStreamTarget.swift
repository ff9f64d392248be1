import IPC

@testable import BookCore

/// A frame stream from outside (`book` reading a pipe or a `feed --record` capture): the pipe
/// reader's checks (stream header, layout, sequence, every field) and then book's processor
/// over what passes, whose valid tops must be sound (`CheckedTops`).
enum FrameStreamTarget {
    static func run(_ input: UnsafeRawBufferPointer) {
        let file = MemoryFile(input)
        let reader = FrameStreamReader(mapping: file.fd, subject: "fuzz")
        let book = BookProcessor(output: CheckedTops())
        while let result = try? reader.read(limit: 256, { book.handle($0) }), case .frames = result {}
    }
}
