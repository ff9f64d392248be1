import Foundation
import Glibc
import IPC
import XCTest

/// A segment name unique to this test process, removed again by `removeSegment`.
func uniqueSegmentName(_ label: String) -> SegmentName {
    try! SegmentName("tptest.\(getpid()).\(UUIDCounter.next()).\(label)")
}

/// A process-wide counter for unique names; tests run on one thread.
enum UUIDCounter {
    nonisolated(unsafe) static var value = 0
    static func next() -> Int {
        value += 1
        return value
    }
}

/// Tests write to pipes whose readers may have gone: EPIPE must be an error, not a signal.
let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

func removeSegment(_ name: SegmentName) {
    _ = try? SharedMemoryMapping.unlink(name)
}
