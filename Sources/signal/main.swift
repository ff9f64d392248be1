// signal: part of the trading half of the pipeline, not built yet (see the open issues).
// Exit codes: 100 usage.
import Glibc
import IPC

StandardError.line("signal: not built yet: the trading half (signal, exec, risk) is the next issue; run.sh starts feed and book")
exit(ExitCode.usage)
