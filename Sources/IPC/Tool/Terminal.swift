import CPlatform
import Glibc

/// Standard output as a terminal: its size, and the few ANSI escapes a full-screen display
/// redraws with (cursor home, erase to the end of the line and screen).
public enum Terminal {
    /// Rows and columns of the terminal on `fd`, or nil if it is not one.
    public static func size(fd: Int32 = 1) -> (rows: Int, columns: Int)? {
        var rows: UInt16 = 0
        var columns: UInt16 = 0
        guard cplatform_terminal_size(fd, &rows, &columns) == 0, rows > 0, columns > 0 else { return nil }
        return (Int(rows), Int(columns))
    }

    public static let home = "\u{1B}[H"
    public static let eraseLine = "\u{1B}[K"
    public static let eraseBelow = "\u{1B}[J"
    public static let clear = "\u{1B}[2J"
    public static let hideCursor = "\u{1B}[?25l"
    public static let showCursor = "\u{1B}[?25h"

    /// One screen: `lines` from the top left, each cut to the terminal's width and erased to its
    /// end, as many as fit, then the rest of the screen erased. Plain text in, no escapes.
    public static func screen(_ lines: [String], rows: Int, columns: Int) -> String {
        var text = home
        for line in lines.prefix(max(1, rows - 1)) {
            text += String(line.prefix(columns)) + eraseLine + "\n"
        }
        return text + eraseBelow
    }
}
