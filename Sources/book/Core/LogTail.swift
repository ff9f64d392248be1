import Glibc
import IPC

/// The last line of each log in a run's directory (`runs/SESSION/*.log`), for the dashboard's
/// log panel: run.sh sends the processes' stderr there while the dashboard holds the terminal.
/// Reads at most the last 2 KB of each file, a few times a second.
struct LogTail {
    let directory: String

    /// "name: last line" per non-empty log, by file name.
    func lastLines() -> [String] {
        guard let listing = opendir(directory) else {
            return ["logs: \(SystemError(call: "opendir", subject: directory, errno: errno))"]
        }
        defer { closedir(listing) }
        var names: [String] = []
        while let entry = readdir(listing) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasSuffix(".log") { names.append(name) }
        }
        return names.sorted().compactMap { name in
            lastLine(of: directory + "/" + name).map { "  \(name): \($0)" }
        }
    }

    private func lastLine(of path: String) -> String? {
        guard let file = try? FileDescriptor.open(path, .readOnly) else { return nil }
        defer { try? file.close() }
        guard let size = try? Int(file.status().st_size), size > 0 else { return nil }
        let length = min(size, 2_048)
        var bytes = [UInt8](repeating: 0, count: length)
        let read = bytes.withUnsafeMutableBytes {
            (try? file.read(into: $0.baseAddress!, count: length, atOffset: size - length)) ?? 0
        }
        guard read > 0 else { return nil }
        let text = String(decoding: bytes.prefix(read), as: UTF8.self)
        return text.split(separator: "\n").last.map { String($0.filter { $0 != "\u{1B}" && $0 != "\r" }) }
    }
}
