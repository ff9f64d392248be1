import Glibc
import IPC
import Synchronization

/// The journal's own thread, so the trading loop neither faults nor waits for the disk:
///
/// - it maps the file's pages in ahead of the writer (`madvise(MADV_POPULATE_WRITE)`, which
///   makes them present and writable without changing a byte), so appending a record is a few
///   stores into memory already there: the page-cache allocation and the file system's work
///   for each page happen here, on whichever CPU is free;
/// - for `Journal.SyncPolicy.batch` it forces what was written to disk (`fdatasync`) every
///   `syncInterval`: what was appended before a sync began is on disk once it returns, so a
///   crash of the machine loses at most the last interval. A failed sync is kept and thrown by
///   the writer's next `Journal.flush`. The pages written since the last sync are unmapped
///   before it (`MADV_DONTNEED`: the page cache keeps them) and those ahead of the writer mapped
///   in again after it, so the sync does not stop the writer's CPU page by page.
///
/// It never touches a record's bytes. A kernel without `MADV_POPULATE_WRITE` (before 5.14)
/// refuses it; the writer then takes the page faults itself.
final class JournalWorker: @unchecked Sendable {
    /// How far past the writer pages are mapped in, and how much the writer appends between two
    /// wake-ups (a `futex` call each: one per 26,000 records).
    static let leadBytes = 8 << 20
    static let stepBytes = 2 << 20

    private let file: FileDescriptor
    private let mapping: UnsafeMutableRawPointer
    private let syncInterval: Int64?
    /// The writer's end when the thread was started: what it counts as synced (the file as it
    /// was opened).
    private let startBytes: Int
    /// Where the thread maps pages in from: the writer's end, or past it if the journal mapped
    /// pages in itself at start (`Journal.pretouch`).
    private let mappedBytes: Int
    /// The writer's end (bytes of the file in use) and how far the file is allocated.
    private let writtenBytes: Atomic<Int>
    private let fileBytes: Atomic<Int>
    /// The errno of the first failed sync, 0 while none has failed.
    private let failedErrno = Atomic<Int32>(0)
    private let stopping = Atomic<Bool>(false)
    /// Bumped by every wake-up; the thread sleeps on it (`futex`). `Atomic` has no address for
    /// `futex(2)`: the word is both, as a ring's are.
    private let wakeWord: UnsafeMutableRawPointer
    private var wakeCounter: UnsafeMutablePointer<Atomic<UInt32>> {
        wakeWord.assumingMemoryBound(to: Atomic<UInt32>.self)
    }
    private var wakeFutex: UnsafeMutablePointer<UInt32> { wakeWord.assumingMemoryBound(to: UInt32.self) }
    private var thread = pthread_t()

    /// Starts the thread for `file`, mapped at `mapping`, in use up to
    /// `writtenBytes`, allocated up to `fileBytes` and mapped in up to `mappedBytes` (if more).
    init(
        file: FileDescriptor, mapping: UnsafeMutableRawPointer, writtenBytes: Int, fileBytes: Int, mappedBytes: Int = 0,
        syncInterval: Int64?
    ) throws(SystemError) {
        self.file = file
        self.mapping = mapping
        self.syncInterval = syncInterval
        startBytes = writtenBytes
        self.mappedBytes = max(writtenBytes, mappedBytes)
        self.writtenBytes = Atomic(writtenBytes)
        self.fileBytes = Atomic(fileBytes)
        wakeWord = .allocate(byteCount: 4, alignment: 4)
        wakeWord.storeBytes(of: 0, as: UInt32.self)
        let context = Unmanaged.passRetained(self).toOpaque()
        let status = pthread_create(
            &thread, nil,
            { context in
                let worker = Unmanaged<JournalWorker>.fromOpaque(context!).takeRetainedValue()
                worker.run()
                return nil
            }, context)
        guard status == 0 else {
            Unmanaged<JournalWorker>.fromOpaque(context).release() // deinit frees the word
            throw SystemError(call: "pthread_create", subject: "journal worker", errno: status)
        }
    }

    deinit { wakeWord.deallocate() }

    /// The writer's end moved to `bytes` (cheap: a store).
    func wrote(upTo bytes: Int) { writtenBytes.store(bytes, ordering: .releasing) }

    /// The file is allocated up to `bytes` now.
    func allocated(upTo bytes: Int) { fileBytes.store(bytes, ordering: .releasing) }

    /// Wakes the thread to map pages in past the writer's end.
    func wake() {
        wakeCounter.pointee.add(1, ordering: .releasing)
        Futex.wakeAll(wakeFutex)
    }

    /// The errno of a failed sync, if one failed.
    var failure: SystemError? {
        let code = failedErrno.load(ordering: .acquiring)
        return code == 0 ? nil : SystemError(call: "fdatasync", subject: file.subject, errno: code)
    }

    /// Stops the thread and waits for it (the journal syncs what is left as it closes).
    func stop() {
        stopping.store(true, ordering: .releasing)
        wake()
        pthread_join(thread, nil)
    }

    private func run() {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        var mapped = mappedBytes / page * page
        var populating = true
        var synced = startBytes
        var lastSync = SystemClock.monotonicNanoseconds()
        while true {
            let generation = wakeCounter.pointee.load(ordering: .acquiring)
            if stopping.load(ordering: .acquiring) { return }
            let written = writtenBytes.load(ordering: .acquiring)
            if let syncInterval {
                let now = SystemClock.monotonicNanoseconds()
                if now - lastSync >= syncInterval && written != synced && failure == nil {
                    // A sync write-protects every mapped page it writes: a TLB shoot-down of the
                    // writer's CPU per page. Every page dirtied since the last sync (records, and
                    // the zeros mapped in ahead) is unmapped first, in one go: the page cache keeps
                    // them. Those ahead of the writer are mapped in again below; it may fault on
                    // a few meanwhile.
                    let from = synced / page * page
                    if mapped > from { madvise(mapping + from, mapped - from, MADV_DONTNEED) }
                    do {
                        try file.dataSync()
                        synced = written
                    } catch {
                        failedErrno.store(error.errno, ordering: .releasing)
                    }
                    mapped = min(mapped, written / page * page)
                    lastSync = now
                }
            }
            let target = min(written + JournalWorker.leadBytes, fileBytes.load(ordering: .acquiring)) / page * page
            while populating && mapped < target {
                let length = min(JournalWorker.stepBytes, target - mapped)
                if madvise(mapping + mapped, length, MADV_POPULATE_WRITE) != 0 && errno != EINTR {
                    populating = false // an older kernel, or memory short: the writer faults pages in itself
                } else {
                    mapped += length
                }
            }
            Futex.wait(wakeFutex, expected: generation, timeoutNs: syncInterval ?? 100_000_000)
        }
    }
}
