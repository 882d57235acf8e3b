import Foundation
import SamtakDomain
import SamtakPostgres

// How the domain's civil-time types travel to and from PostgreSQL's `date` and
// `timestamp without time zone` columns (text format, ISO).

extension LocalDate: PostgresEncodable, PostgresDecodable {
    public static var postgresTypeOID: UInt32 { PostgresOID.date }
    public var postgresText: String { description }
    public init(postgresText text: String) throws(PostgresError) {
        guard let value = LocalDate(text) else {
            throw PostgresError(kind: .decoding, context: "value is not a valid date")
        }
        self = value
    }
}

extension LocalDate: PostgresArrayElement {
    public static var postgresArrayOID: UInt32 { 1182 }  // date[]
}

extension LocalDateTime: PostgresEncodable, PostgresDecodable {
    public static var postgresTypeOID: UInt32 { 1114 }  // timestamp without time zone
    public var postgresText: String { description }
    public init(postgresText text: String) throws(PostgresError) {
        // PostgreSQL writes "2026-08-18 14:00:00".
        guard let value = LocalDateTime(text.replacingOccurrences(of: " ", with: "T")) else {
            throw PostgresError(kind: .decoding, context: "value is not a valid local date-time")
        }
        self = value
    }
}
