import IPC

/// The layout of exec's journal: a file header, then fixed-size records, each a frame (an order
/// command, an execution report or a position snapshot) sealed with its own sequence number and
/// a CRC-32C of both.
///
/// ```text
/// file header (64 bytes)
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------------------------------------------------------+
/// |                     magic "TPJRNL\0\1"                        |  0
/// |                                                               |
/// +-------------------------------+-------------------------------+
/// |         layoutVersion         |          recordSize           |  8
/// +-------------------------------+-------------------------------+
/// |                        reserved to 64                         | 12
/// +---------------------------------------------------------------+
///
/// record (80 bytes)
/// +---------------------------------------------------------------+
/// |                    frame (64 bytes, as on a ring)             |  0..63
/// +---------------------------------------------------------------+
/// |                    record sequence (from 0)                   | 64
/// |                                                               |
/// +---------------------------------------------------------------+
/// |            CRC-32C (Castagnoli) of bytes 0..71                | 72
/// +---------------------------------------------------------------+
/// |                    marker "TPRC"                              | 76
/// +---------------------------------------------------------------+
/// ```
///
/// Nothing in the file depends on when it was written: replaying the same recording with the
/// same parameters writes the same bytes.
///
/// The writer allocates the file ahead of its records and cuts it back when it closes: a crash
/// leaves zero records after the last one written, which are no damage. A short last record (a
/// torn tail) or bytes that are not a record (a damaged disk, a stray write, bytes inserted or
/// cut out; zeros with written records after them) are. Reading finds all of these: after
/// damage it resynchronises on the next intact record (its marker and CRC hold, its sequence
/// follows the last one read), keeps every intact record and names each damaged byte range and
/// each run of missing sequence numbers. A file that already holds records is only appended to
/// by the run that wrote it (`exec --append`); the file is created 0600.
enum JournalDescriptor {
    /// "TPJRNL" followed by 0x00 0x01, read as a little-endian UInt64.
    static let magic: UInt64 = 0x0100_4C4E_524A_5054
    /// 2: CRC-32C (the `crc32` instruction: a fifth of exec's time went to zlib's CRC-32 in 1).
    /// 3: frames of layout 2 (`Control.progress`).
    /// 4: frames of layout 4 (a position snapshot in two frames, money in 128 bits).
    /// Records hold frames of layout `frameLayoutVersion`: a test fails when
    /// `FrameLayout.version` moves without it, and a change there bumps this too.
    static let layoutVersion: UInt16 = 5
    static let frameLayoutVersion: UInt8 = 5
    static let headerSize = 64
    static let magicOffset = 0
    static let layoutVersionOffset = 8
    static let recordSizeOffset = 10
    static let recordSize = 80
    static let sequenceOffset = 64
    static let checksumOffset = 72
    static let markerOffset = 76
    /// "TPRC" as a little-endian UInt32.
    static let marker: UInt32 = 0x4352_5054

    /// Where record `sequence` starts: also the file's length with `sequence` records in it.
    static func recordOffset(_ sequence: UInt64) -> Int { headerSize + Int(sequence) * recordSize }
}
