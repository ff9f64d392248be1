import Glibc

/// The last line of each log in a run's directory (`runs/SESSION/*.log`), for the dashboard's
/// log panel: run.sh sends the processes' stderr there while the dashboard holds the terminal.
/// Reads at most the last 2 KB of each file, a few times a second.
struct LogTail {
    let directory: String

    /// "name: last line" per non-empty log, by file name.
    func lastLines() -> [String] {
        guard let listing = opendir(directory) else { return ["logs: cannot read \(directory): \(String(cString: strerror(errno)))"] }
        defer { closedir(listing) }
        var names: [String] = []
        while let entry = readdir(listing) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasSuffix(".log") { names.append(name) }
        }
        return names.sorted().compactMap { name in
            lastLine(of: directory + "/" + name).map { "  \(name): \($0)" }
        }
    }

    private func lastLine(of path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let size = lseek(fd, 0, SEEK_END)
        guard size > 0 else { return nil }
        let length = Int(min(size, 2_048))
        var bytes = [UInt8](repeating: 0, count: length)
        let read = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, length, size - off_t(length)) }
        guard read > 0 else { return nil }
        let text = String(decoding: bytes.prefix(read), as: UTF8.self)
        return text.split(separator: "\n").last.map { String($0.filter { $0 != "\u{1B}" && $0 != "\r" }) }
    }
}
