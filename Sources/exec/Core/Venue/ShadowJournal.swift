import IPC

/// The shadow paper venue's journal (`exec --shadow-paper FILE`): an exec journal of its own —
/// instrument definitions, the order commands the shadow received, the paper venue's reports,
/// its positions — so `exec report FILE` reports the shadow like any paper run, and
/// `exec report JOURNAL --shadow FILE` sets it beside the live run's.
///
/// The shadow is a measurement, not the ledger: a journal that cannot be written stops it, said
/// once, and live trading goes on.
final class ShadowJournal {
    let path: String
    private let journal: Journal
    /// Why the shadow stopped (its journal failed), if it did.
    private(set) var failure: String?

    /// Opens `path` as `Journal.open` does: a new file, or, `appending`, the shadow journal of
    /// the run exec continues.
    init(path: String, policy: Journal.SyncPolicy, appending: Bool) throws(Journal.JournalError) {
        self.path = path
        let opening: Journal.Opening
        (journal, opening) = try Journal.open(path, policy: policy, appending: appending)
        for finding in opening.findings { StandardError.line("exec: shadow journal \(path): \(finding)") }
    }

    var stopped: Bool { failure != nil }

    func record(_ frame: Frame) {
        guard failure == nil else { return }
        do { try journal.append(frame) } catch { stop("\(error)") }
    }

    /// The end of a duty cycle, as for exec's own journal.
    func flush() {
        guard failure == nil else { return }
        do { try journal.flush() } catch { stop("\(error)") }
    }

    func close() {
        do { try journal.close() } catch { if failure == nil { stop("\(error)") } }
    }

    private func stop(_ why: String) {
        failure = why
        StandardError.line("exec: shadow paper venue stopped: \(why) (live trading goes on)")
    }
}
