/// The memory layout of a session's control block: one segment per session, created by the
/// session's first process (run.sh's supervisor, or a tool run by hand), read by every stage.
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------------------------------------------------------+
/// |                     magic "TPCTRL\0\1"                        |    0
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                         layoutVersion                         |    8
/// +---------------------------------------------------------------+
/// |                 ready (written last, release)                 |   12
/// +---------------------------------------------------------------+
/// |                          creatorPid                           |   16
/// +---------------------------------------------------------------+
/// |                        instrumentCount                        |   20
/// +---------------------------------------------------------------+
/// |                         createdTimeNs                         |   24
/// |                                                               |
/// +===============================================================+
/// |                  halted (0 trading, 1 halted)                 |  128
/// +---------------------------------------------------------------+
/// |                 flattenRequests (count, bumped)               |  132
/// +---------------------------------------------------------------+
/// |                           haltPid                             |  136
/// +---------------------------------------------------------------+
/// |        flattensDone (exec: the requests it has carried out)   |  140
/// +---------------------------------------------------------------+
/// |                          haltTimeNs                           |  144
/// |                                                               |
/// +---------------------------------------------------------------+
/// |              haltReason (96 bytes of UTF-8, NUL-padded)       |  152..247
/// +===============================================================+
/// |          instrument 0 (64 bytes, see below) ... 63            |  256..4351
/// +===============================================================+
/// |          process 0 (64 bytes, see below) ... 15               | 4352..5375
/// +===============================================================+
/// |   resync requests: one u32 counter per instrument id 1...64   | 5376..5631
/// +===============================================================+
/// |   gauges: 16 f64 per process entry 0...15 (see `Gauge`),      | 5632..7679
/// |   stored as bit patterns; NaN: never written                  |
/// +===============================================================+
/// |   inventory targets: one 32-byte entry per instrument id      | 7680..9727
/// |   1...64 (see below), written by a live exec                  |
/// +===============================================================+
/// |           resumeRequests (count, bumped by `risk resume`)     | 9728
/// +---------------------------------------------------------------+
/// |       resumesAnswered (risk: the requests it has answered)    | 9732
/// +---------------------------------------------------------------+
/// |   resumeRefusal (120 bytes of UTF-8, NUL-padded): empty when  | 9736..9855
/// |   the last answer lifted the halt, else why it did not        |
/// +---------------------------------------------------------------+
///
/// instrument entry:                       process entry:
/// +-------------------------------+       +-------------------------------+
/// | id                        u32 |  +0   | state                     u32 |  +0
/// | tickDecimals               u8 |  +4   | role                      u32 |  +4
/// | lotDecimals                u8 |  +5   | pid                       i32 |  +8
/// | priceDisplayDecimals       u8 |  +6   | reserved                  u32 | +12
/// | sizeDisplayDecimals        u8 |  +7   | heartbeatNs (monotonic)   i64 | +16
/// | tickMantissa              i64 |  +8   | startedTimeNs (realtime)  i64 | +24
/// | lotMantissa               i64 | +16   | detail (32 bytes, NUL-padded) | +32..63
/// | symbol (24 bytes, NUL-padded) | +24   +-------------------------------+
/// | reserved                      | +48..63
/// +-------------------------------+
///
/// inventory target entry (instrument id N at 7680 + (N - 1) * 32):
/// +-------------------------------------------+
/// | sequence u32 (0 never written, odd while  |  +0
/// |   being written, even once complete)      |
/// | reserved u32                              |  +4
/// | target, low 64 bits of an i128            |  +8
/// | target, high 64 bits                      | +16
/// | reserved                                  | +24..31
/// +-------------------------------------------+
///   target: the base asset's balance at which exec's position is zero, in 10^-18 of the asset
/// ```
public enum ControlBlockDescriptor {
    /// "TPCTRL" followed by 0x00 0x01, read as a little-endian UInt64.
    public static let magic: UInt64 = 0x0100_4C52_5443_5054
    /// The control block's own layout version (2: the gauges; 3: the inventory targets, and the
    /// resync counters by instrument id 1...64; 4: the resume requests), bumped whenever this
    /// layout changes.
    public static let layoutVersion: UInt32 = 4

    public static let magicOffset = 0
    public static let layoutVersionOffset = magicOffset + 8
    public static let readyOffset = layoutVersionOffset + 4
    public static let creatorPidOffset = readyOffset + 4
    public static let instrumentCountOffset = creatorPidOffset + 4
    public static let createdTimeOffset = instrumentCountOffset + 4

    public static let haltedOffset = 128
    public static let flattenRequestsOffset = haltedOffset + 4
    public static let haltPidOffset = flattenRequestsOffset + 4
    public static let flattensDoneOffset = haltPidOffset + 4
    public static let haltTimeOffset = flattensDoneOffset + 4
    public static let haltReasonOffset = haltTimeOffset + 8
    public static let haltReasonSize = 96

    public static let instrumentsOffset = 256
    public static let instrumentEntrySize = 64
    public static let maxInstruments = 64
    public static let instrumentSymbolOffset = 24
    public static let instrumentSymbolSize = 24

    public static let processesOffset = instrumentsOffset + maxInstruments * instrumentEntrySize
    public static let processEntrySize = 64
    public static let maxProcesses = 16
    public static let processStateOffset = 0
    public static let processRoleOffset = 4
    public static let processPidOffset = 8
    public static let processHeartbeatOffset = 16
    public static let processStartedOffset = 24
    public static let processDetailOffset = 32
    public static let processDetailSize = 32

    /// A book that found a gap bumps its instrument's counter; a live feed that sees it change
    /// fetches a new snapshot for that instrument.
    public static let resyncRequestsOffset = processesOffset + maxProcesses * processEntrySize

    /// Each registry entry's gauges, in the entry's order: what the stage tells the operator.
    public static let gaugesOffset = resyncRequestsOffset + maxInstruments * 4
    public static let gaugesPerProcess = 16

    /// A live exec's inventory target per instrument: what risk's own flatten closes to.
    public static let inventoryTargetsOffset = gaugesOffset + maxProcesses * gaugesPerProcess * 8
    public static let inventoryTargetEntrySize = 32

    /// `risk resume SESSION` asks the session's risk to lift a halt; risk answers.
    public static let resumeRequestsOffset = inventoryTargetsOffset + maxInstruments * inventoryTargetEntrySize
    public static let resumesAnsweredOffset = resumeRequestsOffset + 4
    public static let resumeRefusalOffset = resumesAnsweredOffset + 4
    public static let resumeRefusalSize = 120

    public static let length = resumeRefusalOffset + resumeRefusalSize
}
