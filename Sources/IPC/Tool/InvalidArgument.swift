/// A bad value from outside (a flag, a name, a config line): the message says what and where.
public struct InvalidArgument: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
