import CPlatform
import Glibc

/// The CPU facilities Swift has no words for, through the `CPlatform` C target.
public enum CPU {
    /// The spin-wait hint (`pause`): call once per iteration of every spin loop.
    @inlinable
    public static func pause() { cplatform_cpu_pause() }

    /// The time-stamp counter (`rdtsc`): cycles, not nanoseconds; not serialising.
    @inlinable
    public static func timestampCounter() -> UInt64 { cplatform_rdtsc() }

    /// Asks for the cache line at `address` ready to be written (`prefetchw`): a hint, never
    /// a fault, whatever the address.
    @inlinable
    public static func prefetchForWrite(_ address: UnsafeRawPointer) { cplatform_prefetch_for_write(address) }

    /// Asks for the cache line at `address` to be read (`prefetcht0`): a hint, never a fault.
    @inlinable
    public static func prefetchForRead(_ address: UnsafeRawPointer) { cplatform_prefetch_for_read(address) }

    /// Pins the calling thread to one CPU (`sched_setaffinity`).
    public static func pin(to cpu: Int) throws(SystemError) {
        _ = try retryingInterrupts("sched_setaffinity", "cpu \(cpu)") { cplatform_pin_to_cpu(Int32(cpu)) }
    }

    /// CPUs this process may run on.
    public static var onlineCount: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}
