import IPC

/// Frames a source produced in one step, in fixed storage allocated once: sources fill it, the
/// feed agent drains it into its sink. Keeps sources ignorant of rings and pipes.
public final class FrameBatch {
    let storage: UnsafeMutablePointer<Frame>
    let capacity: Int
    @exclusivity(unchecked) public private(set) var count = 0

    public init(capacity: Int) {
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
    }

    deinit { storage.deallocate() }

    /// Appends a frame; a source never produces more than `capacity` per step (precondition).
    func append<M: FrameMessage>(_ message: M) {
        append(Frame(message))
    }

    func append(_ frame: Frame) {
        precondition(count < capacity, "frame batch overflow: a source step produced more than \(capacity) frames")
        storage[count] = frame
        count += 1
    }

    /// Appends `frames` in one copy.
    func append(contentsOf frames: UnsafeBufferPointer<Frame>) {
        precondition(
            count + frames.count <= capacity,
            "frame batch overflow: a source step produced more than \(capacity) frames")
        (storage + count).update(from: frames.baseAddress!, count: frames.count)
        count += frames.count
    }

    /// Sets `FrameFlags.endOfMessage` on the last frame appended.
    func endMessage() {
        guard count > 0 else { return }
        storage[count - 1].header.flags.insert(.endOfMessage)
    }

    public func removeAll() { count = 0 }

    /// Forgets frames appended after `count` (a message that failed half-way).
    func truncate(to count: Int) {
        precondition(count <= self.count)
        self.count = count
    }

    package subscript(index: Int) -> Frame { storage[index] }
}
