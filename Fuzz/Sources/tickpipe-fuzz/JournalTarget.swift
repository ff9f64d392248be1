import CPlatform
import IPC

@testable import ExecCore

/// A journal file (`exec journal`, `exec report`, `exec csv` read one a user names): the reader
/// resynchronises over damage and hands over only intact records, which the report, the CSV
/// export and the shadow comparison (every other record as the shadow's) then take in. Inputs whose first byte is odd get each whole record's marker and
/// checksum fixed up first, so that the fuzzer reaches the frames inside, not only the checks.
enum JournalTarget {
    static func run(_ input: UnsafeRawBufferPointer) {
        var bytes = Array(input)
        if bytes.first.map({ $0 & 1 == 1 }) == true { sealRecords(&bytes) }
        let file = bytes.withUnsafeBytes { MemoryFile($0) }
        var report = JournalReport()
        var csv = JournalCSV()
        var shadow = ShadowComparison()
        _ = try? Journal.read(file.path) { frame, record in
            report.add(frame, record: record)
            _ = csv.line(frame, record: record)
            shadow.add(frame, live: record & 1 == 0)
        }
        report.shadow = shadow
        _ = report.html(title: "fuzz")
        for id in shadow.instruments.keys { _ = shadow.summary(id) }
    }

    /// Writes the marker and checksum into every record-sized slot after the header.
    static func sealRecords(_ bytes: inout [UInt8]) {
        var offset = JournalDescriptor.headerSize
        while offset + JournalDescriptor.recordSize <= bytes.count {
            bytes.withUnsafeMutableBytes { raw in
                let record = raw.baseAddress! + offset
                record.storeBytes(
                    of: JournalDescriptor.marker, toByteOffset: JournalDescriptor.markerOffset, as: UInt32.self)
                record.storeBytes(
                    of: cplatform_crc32c(record, JournalDescriptor.checksumOffset),
                    toByteOffset: JournalDescriptor.checksumOffset, as: UInt32.self)
            }
            offset += JournalDescriptor.recordSize
        }
    }
}
