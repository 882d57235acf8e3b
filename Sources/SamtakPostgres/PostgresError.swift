/// An error from PostgreSQL or from this module.
///
/// The `description` names the kind, the SQLSTATE and, where PostgreSQL reports them, the
/// constraint, table and column names: identifiers from the schema, never values. The
/// server's own message text can quote values (`Key (x)=(...)`, `invalid input syntax for
/// type uuid: "..."`), so it is kept apart in ``unsafeServerMessage`` and never printed by
/// `description`; log it only where no personal data can be in play (tests, migrations).
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The server could not be reached or the connection was lost.
        case connection
        /// The server rejected a statement; see ``sqlState``.
        case server
        /// No connection became free within the pool's acquire timeout.
        case poolTimeout
        /// The pool has been closed.
        case poolClosed
        /// A column could not be decoded into the requested Swift type.
        case decoding
        /// The caller misused the API (e.g. an unknown column name).
        case usage
    }

    public var kind: Kind
    /// Five-character SQLSTATE, when the server gave one.
    public var sqlState: String?
    public var constraint: String?
    public var table: String?
    public var column: String?
    /// Static context from this module (no data), e.g. "connect", "BEGIN", "decode column 3 as UUID".
    public var context: String
    /// The server's message text. May contain data; never part of `description`.
    public var unsafeServerMessage: String?

    public init(
        kind: Kind, sqlState: String? = nil, constraint: String? = nil, table: String? = nil,
        column: String? = nil, context: String, unsafeServerMessage: String? = nil
    ) {
        self.kind = kind
        self.sqlState = sqlState
        self.constraint = constraint
        self.table = table
        self.column = column
        self.context = context
        self.unsafeServerMessage = unsafeServerMessage
    }

    public var description: String {
        var text = "PostgreSQL \(kind)"
        if let sqlState {
            text += " \(sqlState)"
            if let name = Self.conditionNames[sqlState] { text += " (\(name))" }
        }
        if let table { text += " table=\(table)" }
        if let column { text += " column=\(column)" }
        if let constraint { text += " constraint=\(constraint)" }
        text += ": \(context)"
        return text
    }

    public var isUniqueViolation: Bool { sqlState == "23505" }
    public var isForeignKeyViolation: Bool { sqlState == "23503" }
    public var isCheckViolation: Bool { sqlState == "23514" }
    public var isSerializationFailure: Bool { sqlState == "40001" || sqlState == "40P01" }
    /// The connection is unusable (lost, or the server is shutting down / restarting).
    public var isConnectionFailure: Bool {
        if kind == .connection { return true }
        guard let sqlState else { return false }
        return sqlState.hasPrefix("08") || sqlState == "57P01" || sqlState == "57P02" || sqlState == "57P03"
    }

    static let conditionNames: [String: String] = [
        "23505": "unique_violation", "23503": "foreign_key_violation", "23502": "not_null_violation",
        "23514": "check_violation", "23P01": "exclusion_violation", "22P02": "invalid_text_representation",
        "22001": "string_data_right_truncation", "22003": "numeric_value_out_of_range", "22007": "invalid_datetime_format",
        "22008": "datetime_field_overflow", "40001": "serialization_failure", "40P01": "deadlock_detected",
        "42601": "syntax_error", "42P01": "undefined_table", "42703": "undefined_column", "42883": "undefined_function",
        "42P08": "ambiguous_parameter", "42804": "datatype_mismatch", "0A000": "feature_not_supported",
        "26000": "invalid_sql_statement_name", "55P03": "lock_not_available", "57014": "query_canceled",
        "57P01": "admin_shutdown", "57P02": "crash_shutdown", "57P03": "cannot_connect_now",
        "08000": "connection_exception", "08003": "connection_does_not_exist", "08006": "connection_failure",
        "25P02": "in_failed_sql_transaction", "P0001": "raise_exception",
    ]
}
