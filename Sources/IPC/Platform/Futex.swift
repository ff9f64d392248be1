import CPlatform
import Glibc

/// `futex(2)` on a word in shared memory: sleep until the word changes, wake sleepers.
///
/// Shared (not `FUTEX_PRIVATE_FLAG`) futexes key on the physical page, so a waiter in one
/// process is woken by a waker in another mapping the same segment.
public enum Futex {
    /// `FUTEX_WAIT`: sleeps while `*word == expected`, at most `timeoutNs`.
    /// Returns when woken, when the word already differs (`EAGAIN`), on timeout or on a signal:
    /// every caller re-checks its condition, so which of these happened does not matter.
    @inlinable
    public static func wait(_ word: UnsafeMutablePointer<UInt32>, expected: UInt32, timeoutNs: Int64) {
        var timeout = timespec(tv_sec: Int(timeoutNs / 1_000_000_000), tv_nsec: Int(timeoutNs % 1_000_000_000))
        _ = cplatform_futex_wait(word, expected, &timeout)
    }

    /// `FUTEX_WAKE`: wakes every sleeper on `word`.
    @inlinable
    public static func wakeAll(_ word: UnsafeMutablePointer<UInt32>) {
        _ = cplatform_futex_wake(word, Int32.max)
    }
}
