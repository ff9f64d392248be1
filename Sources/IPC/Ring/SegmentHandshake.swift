import Glibc
import Synchronization

/// The creation and attachment handshake every shared-memory segment of ours follows.
///
/// The creator makes the segment exclusive and 0600, writes every header field, then stores
/// the `ready` word last with release. An attacher waits for `ready` with acquire, then
/// checks that the segment is its own user's and 0600, then magic and layout version. A name that
/// already exists is never reused: its creator is alive (`inUse`) or dead (`staleSegment`), and
/// either way the creator is told.
struct SegmentHandshake {
    let magic: UInt64
    let layoutVersion: UInt32
    let layoutVersionOffset: Int
    let readyOffset: Int
    let creatorPidOffset: Int
    /// The smallest segment holding the fields above.
    let headerLength: Int

    static let readyValue: UInt32 = 0x5245_4459 // "READY"

    /// Creates the segment, or explains the one already there.
    func create(_ name: SegmentName, length: Int) throws(SegmentError) -> SharedMemoryMapping {
        do {
            let mapping = try SharedMemoryMapping.create(name, length: length)
            mapping.base.storeBytes(of: magic, as: UInt64.self)
            mapping.base.storeBytes(of: layoutVersion, toByteOffset: layoutVersionOffset, as: UInt32.self)
            mapping.base.storeBytes(of: getpid(), toByteOffset: creatorPidOffset, as: Int32.self)
            return mapping
        } catch {
            if error.errno == EEXIST { throw existing(name) }
            throw SegmentError.opening(name, error)
        }
    }

    /// Publishes the header: everything written before this is visible to an attacher.
    func markReady(_ mapping: SharedMemoryMapping) {
        // Release: pairs with the acquire load of `ready` in attach.
        sharedUInt32(mapping.base, readyOffset).pointee.store(SegmentHandshake.readyValue, ordering: .releasing)
    }

    /// Why a name is taken. A creator may be mid-way (the file made but not yet sized, or its pid
    /// not yet written: two processes joining a session at once): that is waited out for up to a
    /// second before the segment is called stale.
    private func existing(_ name: SegmentName) -> SegmentError {
        let deadline = SystemClock.monotonicNanoseconds() + 1_000_000_000
        var pid: Int32 = 0
        repeat {
            if let mapping = try? SharedMemoryMapping.open(name), mapping.length >= headerLength {
                pid = mapping.base.load(fromByteOffset: creatorPidOffset, as: Int32.self)
                if pid != 0 { break }
            }
            usleep(1_000)
        } while SystemClock.monotonicNanoseconds() < deadline
        return pid != 0 && ProcessLiveness.isAlive(pid)
            ? .inUse(name, creatorPid: pid) : .staleSegment(name, creatorPid: pid)
    }

    /// Opens the segment and validates size, magic, readiness and layout version.
    func attach(_ name: SegmentName, readyTimeoutMs: Int) throws(SegmentError) -> SharedMemoryMapping {
        let deadline = SystemClock.monotonicNanoseconds() + Int64(readyTimeoutMs) * 1_000_000
        var opened: SharedMemoryMapping?
        while opened == nil {
            do {
                opened = try SharedMemoryMapping.open(name)
            } catch  where error.errno == EAGAIN && SystemClock.monotonicNanoseconds() < deadline {
                usleep(1_000) // created, not yet sized
            } catch  where error.errno == EAGAIN {
                throw SegmentError.notReady(name, waitedMs: readyTimeoutMs)
            } catch {
                throw SegmentError.opening(name, error)
            }
        }
        let mapping = opened!
        // Another user's segment is never trusted: its frames, its halt flags and its instrument
        // table would be theirs to write. Ours are always our user's and 0600.
        guard mapping.ownerUid == geteuid(), mapping.mode == 0o600 else {
            throw SegmentError.untrusted(name, ownerUid: mapping.ownerUid, mode: mapping.mode)
        }
        guard mapping.length >= headerLength else {
            throw SegmentError.tooSmall(name, length: mapping.length, needed: headerLength)
        }
        let base = mapping.base
        let ready = sharedUInt32(base, readyOffset)
        while true {
            // A creator in progress shows magic 0 (the segment starts zeroed) or the right one.
            let found = sharedUInt64(base, 0).pointee.load(ordering: .relaxed)
            if found != 0 && found != magic { throw SegmentError.wrongMagic(name, found: found, expected: magic) }
            // Acquire: pairs with the creator's release store in markReady.
            if ready.pointee.load(ordering: .acquiring) == SegmentHandshake.readyValue { break }
            if SystemClock.monotonicNanoseconds() > deadline {
                if found == 0 { throw SegmentError.wrongMagic(name, found: 0, expected: magic) }
                throw SegmentError.notReady(name, waitedMs: readyTimeoutMs)
            }
            usleep(1_000)
        }
        let version = base.load(fromByteOffset: layoutVersionOffset, as: UInt32.self)
        guard version == layoutVersion else {
            throw SegmentError.wrongVersion(name, found: version, expected: layoutVersion)
        }
        return mapping
    }
}
