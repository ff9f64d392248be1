import Glibc

/// A small text file a user names (a strategy's parameters, a fee schedule, recorded latencies),
/// read whole.
public enum TextFile {
    /// The file at `path` as UTF-8 text, at most `limit` bytes. A failure says why in a few words
    /// ("No such file or directory", "larger than 1048576 bytes", "not UTF-8 text"); the caller
    /// names the file and the flag.
    public static func read(_ path: String, limit: Int = 1 << 20) throws(InvalidArgument) -> String {
        let file: FileDescriptor
        do { file = try FileDescriptor.open(path, .readOnly) } catch { throw InvalidArgument(error.errnoDescription) }
        defer { try? file.close() }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: limit + 1, alignment: 1)
        defer { buffer.deallocate() }
        var count = 0
        while count <= limit {
            let got: Int
            do { got = try file.read(into: buffer + count, count: limit + 1 - count) } catch {
                throw InvalidArgument("read: \(error.errnoDescription)")
            }
            if got == 0 { break }
            count += got
        }
        guard count <= limit else { throw InvalidArgument("larger than \(limit) bytes") }
        guard let text = String(validating: UnsafeRawBufferPointer(start: buffer, count: count), as: UTF8.self) else {
            throw InvalidArgument("not UTF-8 text")
        }
        return text
    }

    /// A line of a record file that holds something: its number from 1, its text without the
    /// comment, its fields.
    public struct Record {
        public let line: Int
        public let text: Substring
        public let fields: [Substring]
    }

    /// A file of records, one a line (a latency file, a fee schedule), its fields separated by
    /// commas, spaces or tabs, `#` starting a comment: the lines that hold something. A file that
    /// cannot be read is named with the `flag` that named it.
    public static func records(_ path: String, flag: String) throws(InvalidArgument) -> [Record] {
        let text: String
        do { text = try read(path) } catch { throw InvalidArgument("\(flag) \(path): \(error)") }
        var records: [Record] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let content = line.prefix { $0 != "#" }
            let fields = content.split { $0 == "," || $0 == " " || $0 == "\t" || $0 == "\r" }
            if !fields.isEmpty { records.append(Record(line: index + 1, text: content, fields: fields)) }
        }
        return records
    }
}
