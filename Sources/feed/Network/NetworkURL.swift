/// A `wss://`, `ws://`, `https://` or `http://` URL split into what a connection needs. Checked
/// where it enters (a flag or an environment variable); the error names the URL.
public struct NetworkURL: Equatable, CustomStringConvertible {
    /// "wss", "https", "ws" or "http".
    public let scheme: String
    public let secure: Bool
    public let host: String
    public let port: UInt16
    /// The path and query, at least "/".
    public let target: String

    public init(_ text: String) throws(NetworkError) {
        let schemes: [(String, Bool, UInt16)] = [
            ("wss://", true, 443), ("https://", true, 443), ("ws://", false, 80), ("http://", false, 80)
        ]
        guard let (prefix, secure, defaultPort) = schemes.first(where: { text.hasPrefix($0.0) }) else {
            throw .data("URL '\(text)': expected wss://, ws://, https:// or http://")
        }
        scheme = String(prefix.dropLast(3))
        let rest = text.dropFirst(prefix.count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        target = slash == rest.endIndex ? "/" : String(rest[slash...])
        var hostPart = authority
        var port = defaultPort
        if let colon = authority.lastIndex(of: ":") {
            guard let parsed = UInt16(authority[authority.index(after: colon)...]), parsed > 0 else {
                throw .data("URL '\(text)': bad port")
            }
            port = parsed
            hostPart = authority[..<colon]
        }
        guard !hostPart.isEmpty, hostPart.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }) else {
            throw .data("URL '\(text)': bad host")
        }
        self.secure = secure
        self.host = String(hostPart)
        self.port = port
    }

    /// The URL whole, as it would be typed: scheme, host, port and target.
    public var description: String { "\(scheme)://\(host):\(port)\(target)" }

    /// The same server with another path and query.
    public func with(target: String) -> NetworkURL {
        NetworkURL(scheme: scheme, secure: secure, host: host, port: port, target: target)
    }

    private init(scheme: String, secure: Bool, host: String, port: UInt16, target: String) {
        self.scheme = scheme
        self.secure = secure
        self.host = host
        self.port = port
        self.target = target
    }
}
