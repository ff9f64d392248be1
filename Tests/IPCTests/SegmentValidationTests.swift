import Foundation
import Glibc
import IPC
import TestSupport
import XCTest

/// Attaching to a segment that is not what it should be fails with one line saying what differs.
final class SegmentValidationTests: XCTestCase {
    /// Creates a ring, then lets `damage` change its header bytes through a second mapping.
    func damagedRing(_ label: String, _ damage: (UnsafeMutableRawPointer) -> Void) throws -> SegmentName {
        let name = uniqueSegmentName(label)
        _ = try RingProducer.create(name, capacity: 8)
        let mapping = try SharedMemoryMapping.open(name)
        damage(mapping.base)
        return name
    }

    func testWrongMagicIsNamed() throws {
        let name = try damagedRing("magic") { $0.storeBytes(of: UInt64(0x4142_4344), as: UInt64.self) }
        defer { removeSegment(name) }
        XCTAssertThrowsError(try RingConsumer.attach(name, mode: .gating)) { error in
            XCTAssertEqual(
                error as? SegmentError, .wrongMagic(name, found: 0x4142_4344, expected: RingDescriptor.magic))
            XCTAssertTrue("\(error)".contains("wrong magic 0x41424344"), "\(error)")
        }
    }

    func testWrongVersionNamesBothVersions() throws {
        let name = try damagedRing("version") {
            $0.storeBytes(of: UInt32(9), toByteOffset: RingDescriptor.layoutVersionOffset, as: UInt32.self)
        }
        defer { removeSegment(name) }
        XCTAssertThrowsError(try RingConsumer.attach(name, mode: .gating)) { error in
            XCTAssertEqual(
                "\(error)", "segment \(name): layout version 9, this build speaks \(RingDescriptor.layoutVersion)")
        }
    }

    func testWrongSlotSizeNamesBothSizes() throws {
        let name = try damagedRing("slot") {
            $0.storeBytes(of: UInt32(128), toByteOffset: RingDescriptor.slotSizeOffset, as: UInt32.self)
        }
        defer { removeSegment(name) }
        XCTAssertThrowsError(try RingConsumer.attach(name, mode: .gating)) { error in
            XCTAssertEqual("\(error)", "segment \(name): slot size 128 bytes, this build expects 64")
        }
    }

    func testCapacityLargerThanTheSegmentIsRejected() throws {
        let name = try damagedRing("capacity") {
            $0.storeBytes(of: UInt64(1 << 20), toByteOffset: RingDescriptor.capacityOffset, as: UInt64.self)
        }
        defer { removeSegment(name) }
        XCTAssertThrowsError(try RingConsumer.attach(name, mode: .gating)) { error in
            guard case .badCapacity = error as? SegmentError else { return XCTFail("\(error)") }
        }
    }

    func testMissingSegmentSaysSo() throws {
        let name = uniqueSegmentName("missing")
        XCTAssertThrowsError(try RingConsumer.attach(name, mode: .gating)) { error in
            XCTAssertEqual(error as? SegmentError, .notFound(name))
            XCTAssertTrue("\(error)".contains("no such segment (/dev/shm/\(name))"))
        }
    }

    func testSegmentThatNeverBecomesReadyIsReported() throws {
        let name = uniqueSegmentName("unready")
        defer { removeSegment(name) }
        let mapping = try SharedMemoryMapping.create(name, length: 4096)
        mapping.base.storeBytes(of: RingDescriptor.magic, as: UInt64.self)
        XCTAssertThrowsError(try RingConsumer.attach(name, mode: .gating, readyTimeoutMs: 50)) { error in
            XCTAssertEqual(error as? SegmentError, .notReady(name, waitedMs: 50))
        }
    }

    func testTooSmallSegmentIsReported() throws {
        let name = uniqueSegmentName("small")
        defer { removeSegment(name) }
        _ = try SharedMemoryMapping.create(name, length: 100)
        XCTAssertThrowsError(try RingConsumer.attach(name, mode: .gating)) { error in
            XCTAssertEqual(error as? SegmentError, .tooSmall(name, length: 100, needed: RingDescriptor.consumersOffset))
        }
    }

    func testSegmentIsCreatedOwnerOnly() throws {
        let name = uniqueSegmentName("mode")
        defer { removeSegment(name) }
        _ = try RingProducer.create(name, capacity: 8)
        var info = stat()
        XCTAssertEqual(stat(name.devShmPath, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
    }

    func testExistingLiveSegmentIsNeverReused() throws {
        let name = uniqueSegmentName("inuse")
        defer { removeSegment(name) }
        _ = try RingProducer.create(name, capacity: 8)
        XCTAssertThrowsError(try RingProducer.create(name, capacity: 8)) { error in
            XCTAssertEqual(error as? SegmentError, .inUse(name, creatorPid: getpid()))
        }
    }

    func testStaleSegmentOfADeadCreatorIsReportedOnCreateAndAttach() throws {
        let name = uniqueSegmentName("stale")
        defer { removeSegment(name) }
        // A producer that is killed before it can clean up leaves its segment behind.
        let child = try ChildProcess("RingPeer", ["produce", name.value, "1000", "--wait-gating", "1"])
        var waited = 0
        while access(name.devShmPath, F_OK) != 0 && waited < 5_000 {
            usleep(1_000)
            waited += 1
        }
        usleep(20_000)
        kill(child.pid, SIGKILL)
        let result = child.finish()
        XCTAssertEqual(result.status, SIGKILL)
        XCTAssertThrowsError(try RingProducer.create(name, capacity: 8)) { error in
            XCTAssertEqual(error as? SegmentError, .staleSegment(name, creatorPid: child.pid))
            XCTAssertTrue("\(error)".contains("remove /dev/shm/\(name)"), "\(error)")
        }
        XCTAssertThrowsError(try RingConsumer.attach(name, mode: .gating)) { error in
            XCTAssertEqual(error as? SegmentError, .staleSegment(name, creatorPid: child.pid))
        }
    }

    func testPermissionDeniedIsNamed() throws {
        let name = uniqueSegmentName("perm")
        defer { removeSegment(name) }
        _ = try RingProducer.create(name, capacity: 8)
        if geteuid() != 0 {
            // The owner is refused by a mode without read and write bits.
            XCTAssertEqual(chmod(name.devShmPath, 0), 0)
            XCTAssertThrowsError(try RingConsumer.attach(name, mode: .gating)) { error in
                XCTAssertEqual(error as? SegmentError, .permissionDenied(name))
            }
            return
        }
        // root passes every permission check, so another user attaches: nobody (65534).
        let setpriv = "/usr/bin/setpriv"
        guard access(setpriv, X_OK) == 0 else { throw XCTSkip("setpriv (util-linux) is needed to drop root") }
        let peer = productsDirectory().appendingPathComponent("RingPeer").path
        let child = try ChildProcess(
            setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", peer, "attach", name.value])
        let result = child.finish()
        guard !result.err.contains("Permission denied") || result.err.contains("segment") else {
            throw XCTSkip("nobody cannot run \(peer): \(result.err)")
        }
        XCTAssertEqual(result.status, 5)
        XCTAssertTrue(result.err.contains("segment \(name): permission denied opening /dev/shm/\(name)"), result.err)
    }

    /// A segment whose mode is not 0600 (anyone could have written it) is not attached: a ring
    /// or a control block alike.
    func testASegmentOpenToOthersIsNotTrusted() throws {
        let ring = uniqueSegmentName("open")
        defer { removeSegment(ring) }
        _ = try RingProducer.create(ring, capacity: 8)
        XCTAssertEqual(chmod(ring.devShmPath, 0o644), 0)
        XCTAssertThrowsError(try RingConsumer.attach(ring, mode: .lossy)) { error in
            XCTAssertEqual(error as? SegmentError, .untrusted(ring, ownerUid: geteuid(), mode: 0o644))
            XCTAssertTrue(
                "\(error)".contains("is owned by uid \(geteuid()) with mode 644; only a segment of this user"),
                "\(error)")
        }
        let block = uniqueSegmentName("openblock")
        defer { removeSegment(block) }
        _ = try ControlBlock.create(block, instruments: [])
        XCTAssertEqual(chmod(block.devShmPath, 0o660), 0)
        XCTAssertThrowsError(try ControlBlock.attach(block)) { error in
            XCTAssertEqual(error as? SegmentError, .untrusted(block, ownerUid: geteuid(), mode: 0o660))
        }
    }

    /// Another user's segment, even 0600, is not attached: as root, a ring nobody made.
    func testASegmentOfAnotherUserIsNotTrusted() throws {
        guard geteuid() == 0 else { throw XCTSkip("making a segment as another user needs root") }
        let setpriv = "/usr/bin/setpriv"
        guard access(setpriv, X_OK) == 0 else { throw XCTSkip("setpriv (util-linux) is needed to drop root") }
        let name = uniqueSegmentName("foreign")
        defer { removeSegment(name) }
        let peer = productsDirectory().appendingPathComponent("RingPeer").path
        let child = try ChildProcess(
            setpriv,
            [
                "--reuid=65534", "--regid=65534", "--clear-groups", peer, "produce", name.value, "10", "--wait-gating",
                "1"
            ])
        defer {
            kill(child.pid, SIGKILL)
            _ = child.finish()
        }
        var waited = 0
        while access(name.devShmPath, F_OK) != 0 && waited < 5_000 {
            usleep(1_000)
            waited += 1
        }
        guard access(name.devShmPath, F_OK) == 0 else { throw XCTSkip("nobody could not create a segment here") }
        usleep(50_000)
        XCTAssertThrowsError(try RingConsumer.attach(name, mode: .lossy)) { error in
            XCTAssertEqual(error as? SegmentError, .untrusted(name, ownerUid: 65534, mode: 0o600))
        }
    }
}
