/// A ring's positions as read at one moment, without attaching as a consumer: what the
/// `status` command prints.
public struct RingSnapshot: Sendable {
    public struct Consumer: Sendable {
        public var index: Int
        public var mode: RingConsumer.Mode
        public var pid: Int32
        public var alive: Bool
        public var position: UInt64
        public var lag: UInt64
        public var drops: UInt64
        public var heartbeatAgeNs: Int64
        public var blocking: Bool
    }

    public var name: SegmentName
    public var creatorPid: Int32
    public var creatorAlive: Bool
    public var capacity: UInt64
    public var producerPosition: UInt64
    public var endOfStream: Bool
    public var producerHeartbeatAgeNs: Int64
    public var consumers: [Consumer]

    public init(_ segment: RingSegment, now: Int64 = SystemClock.monotonicNanoseconds()) {
        name = segment.name
        creatorPid = segment.creatorPid
        creatorAlive = ProcessLiveness.isAlive(creatorPid)
        capacity = segment.capacity
        producerPosition = segment.publishPosition.pointee.load(ordering: .acquiring)
        endOfStream = segment.endOfStream.pointee.load(ordering: .acquiring) & RingDescriptor.endOfStreamFlag != 0
        producerHeartbeatAgeNs = now - segment.producerHeartbeat.pointee.load(ordering: .relaxed)
        let published = producerPosition
        consumers = (0..<segment.maxConsumers).compactMap { index in
            let state = segment.consumerState(index).pointee.load(ordering: .acquiring)
            let mode: RingConsumer.Mode
            switch RingDescriptor.ConsumerState(rawValue: state) {
            case .gating: mode = .gating
            case .lossy: mode = .lossy
            default: return nil
            }
            let pid = segment.consumerPid(index).pointee.load(ordering: .relaxed)
            let position = segment.consumerPosition(index).pointee.load(ordering: .acquiring)
            return Consumer(
                index: index, mode: mode, pid: pid, alive: ProcessLiveness.isAlive(pid), position: position,
                lag: published > position ? published - position : 0,
                drops: segment.consumerDrops(index).pointee.load(ordering: .relaxed),
                heartbeatAgeNs: now - segment.consumerHeartbeat(index).pointee.load(ordering: .relaxed),
                blocking: segment.consumerBlocking(index).pointee.load(ordering: .relaxed) != 0)
        }
    }
}
