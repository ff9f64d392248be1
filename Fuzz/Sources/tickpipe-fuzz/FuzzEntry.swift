import Glibc
import IPC

/// libFuzzer's entry points. One binary holds every target; `--target=NAME` picks one
/// (libFuzzer ignores flags that start with `--`). Each run of a target reads one input the
/// way the tools read input from outside; a broken invariant is a `fatalError`, which
/// libFuzzer records as a crash with its input.
enum FuzzTarget: String, CaseIterable {
    case recording
    case exchangeInfo = "exchange-info"
    case frames
    case journal
    case websocket
    case http
    case apiMessage = "api-message"
    case externalReply = "external-reply"

    func run(_ input: UnsafeRawBufferPointer) {
        switch self {
        case .recording: RecordingTarget.run(input)
        case .exchangeInfo: ExchangeInfoTarget.run(input)
        case .frames: FrameStreamTarget.run(input)
        case .journal: JournalTarget.run(input)
        case .websocket: WebSocketTarget.run(input)
        case .http: HTTPTarget.run(input)
        case .apiMessage: APIMessageTarget.run(input)
        case .externalReply: ExternalReplyTarget.run(input)
        }
    }
}

nonisolated(unsafe) var selectedTarget: FuzzTarget?

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
    let arguments = (0..<Int(argc.pointee)).compactMap { argv.pointee?[$0].map { String(cString: $0) } }
    let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
    guard let flag = arguments.first(where: { $0.hasPrefix("--target=") }) else {
        StandardError.line("tickpipe-fuzz: --target=NAME is required (\(names))")
        exit(100)
    }
    guard let target = FuzzTarget(rawValue: String(flag.dropFirst("--target=".count))) else {
        StandardError.line("tickpipe-fuzz: \(flag): no such target (\(names))")
        exit(100)
    }
    selectedTarget = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selectedTarget?.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
