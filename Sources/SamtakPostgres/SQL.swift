/// A statement with its bind parameters. Written with string interpolation: every
/// interpolated value becomes a `$n` parameter, so values are never spliced into SQL.
///
/// ```swift
/// let rows = try connection.query("SELECT id FROM cases WHERE unit_id = \(unitID) AND status = \(status)")
/// ```
/// Fragments compose (`"SELECT ... WHERE \(filter)"` with `filter: SQL`), and their
/// parameters are renumbered. The only way to put text into the statement itself is
/// ``StringInterpolation/appendInterpolation(unsafeRaw:)``, meant for identifiers chosen
/// by code (a column name from an enum), never for input.
public struct SQL: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// Literal pieces around the parameters: `segments.count == binds.count + 1`.
    var segments: [String]
    public private(set) var binds: [PostgresBind]
    /// Prepare once per connection and reuse (for hot paths).
    public var isPrepared: Bool = false

    public init(stringLiteral value: String) {
        segments = [value]
        binds = []
    }

    public init(stringInterpolation: StringInterpolation) {
        segments = stringInterpolation.segments
        binds = stringInterpolation.binds
    }

    init(segments: [String], binds: [PostgresBind]) {
        self.segments = segments
        self.binds = binds
    }

    /// The statement text with `$1`, `$2`, ... in place of the parameters.
    public var text: String {
        var out = segments[0]
        for index in 1..<segments.count {
            out += "$\(index)"
            out += segments[index]
        }
        return out
    }

    /// The same text with the same parameters (whether prepared or not does not matter).
    public func isSameStatement(as other: SQL) -> Bool {
        binds == other.binds && segments == other.segments
    }

    /// Statement text only: parameters are never part of a description.
    public var description: String { text }

    /// The same statement, prepared once per connection and then executed by name.
    public var prepared: SQL {
        var copy = self
        copy.isPrepared = true
        return copy
    }

    public static func + (lhs: SQL, rhs: SQL) -> SQL {
        var segments = lhs.segments
        segments[segments.count - 1] += rhs.segments[0]
        segments.append(contentsOf: rhs.segments.dropFirst())
        return SQL(segments: segments, binds: lhs.binds + rhs.binds)
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var segments: [String] = [""]
        var binds: [PostgresBind] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            segments.reserveCapacity(interpolationCount + 1)
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            segments[segments.count - 1] += literal
        }

        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            binds.append(PostgresBind(value))
            segments.append("")
        }

        public mutating func appendInterpolation(_ value: (some PostgresEncodable)?) {
            if let value {
                appendInterpolation(value)
            } else {
                binds.append(PostgresBind(typeOID: 0, text: nil))
                segments.append("")
            }
        }

        /// A fragment; its parameters are renumbered into this statement.
        public mutating func appendInterpolation(_ fragment: SQL) {
            segments[segments.count - 1] += fragment.segments[0]
            segments.append(contentsOf: fragment.segments.dropFirst())
            binds.append(contentsOf: fragment.binds)
        }

        /// Text placed into the statement as it is. Only for identifiers or keywords chosen
        /// by code, never for anything that came from outside.
        public mutating func appendInterpolation(unsafeRaw text: String) {
            segments[segments.count - 1] += text
        }
    }
}

extension Array where Element == SQL {
    /// Joins fragments, e.g. a list of `col = $n` conditions with " AND ".
    public func joined(separator: String) -> SQL {
        guard var result = first else { return "" }
        for fragment in dropFirst() {
            result = result + SQL(stringLiteral: separator) + fragment
        }
        return result
    }
}

/// One bound parameter: its type OID (0 lets the server infer it) and its text form.
public struct PostgresBind: Sendable, Equatable {
    public var typeOID: UInt32
    public var text: String?

    public init(typeOID: UInt32, text: String?) {
        self.typeOID = typeOID
        self.text = text
    }

    public init(_ value: some PostgresEncodable) {
        self.typeOID = type(of: value).postgresTypeOID
        self.text = value.postgresText
    }
}
