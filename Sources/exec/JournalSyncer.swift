import Glibc
import IPC
import Synchronization

/// Forces a journal's records to disk (`fdatasync`) every `interval` on a thread of its own,
/// for `Journal.SyncPolicy.batch`: the same promise as a sync from the writer's own loop (what
/// was written before a sync began is on disk once it returns, so a crash loses at most the
/// last interval), but the writer never waits for the disk. A failed sync is kept and thrown
/// by the writer's next `Journal.flush`.
final class JournalSyncer: @unchecked Sendable {
    private let fd: Int32
    private let interval: Int64
    /// Records written to the file so far (the writer's count, after its `write`).
    private let written = Atomic<UInt64>(0)
    /// The errno of the first failed sync, 0 while none has failed.
    private let failedErrno = Atomic<Int32>(0)
    /// 1 once the thread is asked to stop: it sleeps on this word (a futex), so a stop wakes it
    /// at once. `Atomic` has no address for `futex(2)`; the word is both, like a ring's.
    private let stopWord: UnsafeMutableRawPointer
    private var stopFlag: UnsafeMutablePointer<Atomic<UInt32>> { stopWord.assumingMemoryBound(to: Atomic<UInt32>.self) }
    private var stopFutex: UnsafeMutablePointer<UInt32> { stopWord.assumingMemoryBound(to: UInt32.self) }
    private var thread = pthread_t()

    init(fd: Int32, interval: Int64) throws(SystemError) {
        self.fd = fd
        self.interval = interval
        stopWord = .allocate(byteCount: 4, alignment: 4)
        stopWord.storeBytes(of: 0, as: UInt32.self)
        let context = Unmanaged.passRetained(self).toOpaque()
        let status = pthread_create(&thread, nil, { context in
            let syncer = Unmanaged<JournalSyncer>.fromOpaque(context!).takeRetainedValue()
            syncer.run()
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<JournalSyncer>.fromOpaque(context).release() // deinit frees the word
            throw SystemError(call: "pthread_create", subject: "journal syncer", errno: status)
        }
    }

    deinit { stopWord.deallocate() }

    /// The writer wrote records up to `count` to the file.
    func wrote(upTo count: UInt64) { written.store(count, ordering: .releasing) }

    /// The errno of a failed sync, if one failed.
    var failure: Int32? {
        let code = failedErrno.load(ordering: .acquiring)
        return code == 0 ? nil : code
    }

    /// Stops the thread after a last sync of everything written, and waits for it.
    func stop() {
        stopFlag.pointee.store(1, ordering: .releasing)
        Futex.wakeAll(stopFutex)
        pthread_join(thread, nil)
    }

    private func run() {
        var synced: UInt64 = 0
        while true {
            let stopping = stopFlag.pointee.load(ordering: .acquiring) != 0
            let target = written.load(ordering: .acquiring)
            if target != synced && failure == nil {
                if fdatasync(fd) == 0 { synced = target } else { failedErrno.store(errno, ordering: .releasing) }
            }
            if stopping { return }
            Futex.wait(stopFutex, expected: 0, timeoutNs: interval)
        }
    }
}
