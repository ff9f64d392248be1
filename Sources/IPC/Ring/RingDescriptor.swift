/// The memory layout of a ring segment: one producer, up to `maxConsumers` consumers.
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------------------------------------------------------+
/// |                     magic "TPRING\0\1"                        |    0
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                        layoutVersion                          |    8
/// +---------------------------------------------------------------+
/// |                           slotSize                            |   12
/// +---------------------------------------------------------------+
/// |                       capacity (slots)                        |   16
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                          creatorPid                           |   24
/// +---------------------------------------------------------------+
/// |                         maxConsumers                          |   28
/// +---------------------------------------------------------------+
/// |                         createdTimeNs                         |   32
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                ready (written last, release)                  |   40
/// +---------------------------------------------------------------+
/// |                    reserved to 128                            |   44
/// +===============================================================+
/// |    publishPosition (producer, after writing; futex: low 32)   |  128
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                 blockingConsumers (registered)                |  136
/// +---------------------------------------------------------------+
/// |                 dataWaiters (asleep on futex)                 |  140
/// +===============================================================+
/// |                  producerHeartbeatNs (monotonic)              |  256
/// |                                                               |
/// +---------------------------------------------------------------+
/// |       endOfStream (1 << 63 | final position, 0 = open)        |  264
/// |                                                               |
/// +---------------------------------------------------------------+
/// |           producerWaiting (asleep on a full ring)             |  272
/// +---------------------------------------------------------------+
/// |           consumerProgress (futex word, bumped on wake)       |  276
/// +===============================================================+
/// |          consumer 0 record (128 bytes, see below)             |  384
/// |          ...                                                  |
/// |          consumer maxConsumers-1 record                       |
/// +===============================================================+
/// |          slot 0 (slotSize bytes, a 64-byte frame)             |  384 + 128 * maxConsumers
/// |          ...                                                  |
/// |          slot capacity-1                                      |
/// +---------------------------------------------------------------+
///
/// consumer record:
/// +---------------------------------------------------------------+
/// |     state (0 free, 1 claiming, 2 gating, 3 lossy)             |  +0
/// +---------------------------------------------------------------+
/// |                             pid                               |  +4
/// +---------------------------------------------------------------+
/// |               position (next frame to read)                   |  +8
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                 drops (frames a lossy reader missed)          |  +16
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                     heartbeatNs (monotonic)                   |  +24
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                      blocking (0 or 1)                        |  +32
/// +---------------------------------------------------------------+
/// |                       reserved to 128                         |  +36
/// +---------------------------------------------------------------+
/// ```
///
/// Lines marked `===` start a new 128-byte block (two cache lines, against the adjacent-line
/// prefetcher): the producer's publish word, its cold fields, and each consumer record are
/// written by different parties and never share a line.
///
/// Positions count frames since the ring was created and never wrap (2⁶⁴ frames); frame `p`
/// lives in slot `p & (capacity - 1)`, and its header's `sequence` word is the slot's
/// publication flag: the producer stores `p` there last, with release, and `writingMarker`
/// (all ones) before it starts rewriting the slot. A consumer polls the slot it wants next,
/// never a shared counter, so a consumer that keeps up shares no line with the producer but
/// the frames themselves. `publishPosition` is for starting positions, sleepers and `status`.
public enum RingDescriptor {
    /// "TPRING" followed by 0x00 0x01, read as a little-endian UInt64.
    public static let magic: UInt64 = 0x0100_474E_4952_5054
    /// Bump on any change to this layout or to `FrameLayout`.
    public static let layoutVersion: UInt32 = UInt32(FrameLayout.version)

    public static let block = 128

    public static let magicOffset = 0
    public static let layoutVersionOffset = magicOffset + 8
    public static let slotSizeOffset = layoutVersionOffset + 4
    public static let capacityOffset = slotSizeOffset + 4
    public static let creatorPidOffset = capacityOffset + 8
    public static let maxConsumersOffset = creatorPidOffset + 4
    public static let createdTimeOffset = maxConsumersOffset + 4
    public static let readyOffset = createdTimeOffset + 8

    public static let publishPositionOffset = block
    public static let blockingConsumersOffset = publishPositionOffset + 8
    public static let dataWaitersOffset = blockingConsumersOffset + 4

    public static let producerHeartbeatOffset = publishPositionOffset + block
    public static let endOfStreamOffset = producerHeartbeatOffset + 8
    public static let producerWaitingOffset = endOfStreamOffset + 8
    public static let consumerProgressOffset = producerWaitingOffset + 4

    public static let consumersOffset = producerHeartbeatOffset + block
    public static let consumerRecordSize = block
    public static let consumerStateOffset = 0
    public static let consumerPidOffset = consumerStateOffset + 4
    public static let consumerPositionOffset = consumerPidOffset + 4
    public static let consumerDropsOffset = consumerPositionOffset + 8
    public static let consumerHeartbeatOffset = consumerDropsOffset + 8
    public static let consumerBlockingOffset = consumerHeartbeatOffset + 8

    public static let endOfStreamFlag: UInt64 = 1 << 63
    /// A slot's sequence while it is being written, and in a new ring: never a position.
    public static let writingMarker: UInt64 = .max
    /// Where `FrameHeader.sequence` sits in a slot.
    public static let slotSequenceOffset = 8

    public static func slotsOffset(maxConsumers: Int) -> Int {
        consumersOffset + maxConsumers * consumerRecordSize
    }

    public static func segmentLength(capacity: Int, maxConsumers: Int) -> Int {
        slotsOffset(maxConsumers: maxConsumers) + capacity * FrameLayout.frameSize
    }

    /// States of a consumer record.
    public enum ConsumerState: UInt32 {
        case free = 0, claiming = 1, gating = 2, lossy = 3
    }
}
