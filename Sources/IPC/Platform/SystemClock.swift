import CPlatform // its header includes <time.h>, so `timespec` may resolve through it
import Glibc

/// Nanosecond clocks through `clock_gettime`, which the vDSO answers without a system call.
public enum SystemClock {
    /// `CLOCK_MONOTONIC` in nanoseconds: for intervals, deadlines and latency.
    @inlinable
    public static func monotonicNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) &* 1_000_000_000 &+ Int64(ts.tv_nsec)
    }

    /// `CLOCK_REALTIME` in nanoseconds since the Unix epoch: the frames' receive times,
    /// comparable with the venue's event times and across processes.
    @inlinable
    public static func realtimeNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) &* 1_000_000_000 &+ Int64(ts.tv_nsec)
    }
}
