/// A bad value from outside (a flag, a name, a config line): the message says what and where.
public struct InvalidArgument: Error, CustomStringConvertible, Equatable {
    public let description: String
    /// A file the user named is missing, unreadable or wrong (a strategy file): bad input, exit 1,
    /// not a usage error (100), as for every tool's files.
    public let isBadInput: Bool
    public init(_ description: String, isBadInput: Bool = false) {
        self.description = description
        self.isBadInput = isBadInput
    }
}
