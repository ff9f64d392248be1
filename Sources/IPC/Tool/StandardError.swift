import Glibc

/// Logs go to stderr, one line per call, in one `write` so lines of concurrent processes
/// sharing a terminal or log file do not interleave mid-line. stdout carries frames or the
/// output a user asked for, never logs.
public enum StandardError {
    public static func line(_ text: String) {
        var line = text
        line.append("\n")
        line.withUTF8 { bytes in
            var done = 0
            while done < bytes.count {
                let written = write(2, bytes.baseAddress! + done, bytes.count - done)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { return }
                done += written
            }
        }
    }
}
